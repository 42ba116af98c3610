/* ptrace_sleeper: ticks every 10 ms for argv[1] ticks (default 100), calling
 * tick() each time, then exits 3.  Run free, then attached to. */
#include <stdlib.h>
#include <time.h>

volatile long ticks;

__attribute__((noinline)) void tick(void)
{
	ticks++;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	struct timespec ts = { 0, 10 * 1000000L };
	for (long i = 0; i < n; i++) {
		nanosleep(&ts, NULL);
		tick();
	}
	return ticks == n ? 3 : 1;
}
