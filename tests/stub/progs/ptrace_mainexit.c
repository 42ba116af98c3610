/* ptrace_mainexit MODE: the main thread leaving first, and exec from a thread.
 *   exit      main pthread_exit()s; a worker ticks 30 times, 10 ms apart, then exit(5)
 *   last      main pthread_exit()s; a worker ticks 10 times, then pthread_exit()s: status 0
 *   exec      main sleeps; a worker execs "ptrace_mainexit child"
 *   exitexec  main pthread_exit()s; then a worker execs "ptrace_mainexit child"
 *   child     tick() once, exit 9 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile long ticks;
static const char *self;
static const char *mode;

__attribute__((noinline)) void tick(void)
{
	ticks++;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	(void)arg;
	if (!strcmp(mode, "exec") || !strcmp(mode, "exitexec")) {
		sleep_ms(50);
		execl(self, "ptrace_mainexit", "child", (char *)NULL);
		_exit(127);
	}
	int n = !strcmp(mode, "last") ? 10 : 30;
	for (int i = 0; i < n; i++) {
		sleep_ms(10);
		tick();
	}
	if (!strcmp(mode, "last"))
		pthread_exit(NULL);
	exit(ticks == n ? 5 : 1);
}

int main(int argc, char **argv)
{
	self = "/proc/self/exe";
	mode = argc > 1 ? argv[1] : "exit";
	if (!strcmp(mode, "child")) {
		tick();
		return 9;
	}
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	if (!strcmp(mode, "exec")) {
		for (;;)
			sleep_ms(1000);
	}
	pthread_exit(NULL);
}
