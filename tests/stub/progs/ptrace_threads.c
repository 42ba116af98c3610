/* ptrace_threads: NTHREADS named workers spin calling work(); main calls
 * ready() once they all run, starts one more thread, calls late_ready(),
 * and after argv[1] milliseconds (default 1000) stops them and exits 7. */
#define _GNU_SOURCE	/* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { NTHREADS = 4 };
volatile long watched;
volatile int stop_flag;
volatile long total;
static volatile int started;

__attribute__((noinline)) void work(long i)
{
	__atomic_add_fetch(&total, i & 1, __ATOMIC_RELAXED);
}

__attribute__((noinline)) void ready(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void late_ready(void) { __asm__ volatile("" ::: "memory"); }

static void *worker(void *arg)
{
	char name[16];
	snprintf(name, sizeof(name), "worker-%ld", (long)arg);
	pthread_setname_np(pthread_self(), name);
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	for (long i = 0; !stop_flag; i++)
		work(i);
	return NULL;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 1000;
	pthread_t th[NTHREADS + 1];
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	while (started < NTHREADS)
		usleep(1000);
	ready();
	pthread_create(&th[NTHREADS], NULL, worker, (void *)(long)NTHREADS);
	while (started < NTHREADS + 1)
		usleep(1000);
	late_ready();
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	stop_flag = 1;
	for (int i = 0; i <= NTHREADS; i++)
		pthread_join(th[i], NULL);
	watched = total;
	return 7;
}
