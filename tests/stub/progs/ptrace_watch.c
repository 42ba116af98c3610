/* ptrace_watch: main calls ready(), starts a writer thread and sleeps in
 * nanosleep for argv[1] milliseconds (default 1000), then exits 6.  The
 * writer stores 1..NWRITES into `watched` (the instruction after the store
 * is `after_store`), calling tick() after each; `never` is never written. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

enum { NWRITES = 5 };
volatile long watched;
volatile long never;
volatile long ticks;

__attribute__((noinline)) void ready(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void tick(long i) { ticks += i; }

__attribute__((noinline)) static void *writer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= NWRITES; i++) {
		__asm__ volatile("movq %1, %0\n\t.globl after_store\nafter_store:" : "=m"(watched) : "r"(i));
		tick(i);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 1000;
	pthread_t th;
	ready();
	pthread_create(&th, NULL, writer, NULL);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	pthread_join(th, NULL);
	return 6;
}
