/* cprog.c - the C target of tests/run-gdb-remote.sh and run-gdb-extended.sh.
 *
 * Built PIE with threads (gcc -g -O0 -pie -fPIE -pthread). Every state gdb
 * looks at is deterministic: the workers are blocked in read() before work()
 * is called, and the main thread then waits in sigwaitinfo() for SIGUSR1, so
 * an interrupt, a detach or an attach finds it in a known place.
 *
 *   cprog wait DIR   write DIR/pid, run the scenario, wait for SIGUSR1, write
 *                    "7" to DIR/exit and exit 7 (a server that reaps the
 *                    program itself, as gdbserver does after a detach, hides
 *                    the exit status from the test)
 *   cprog exit N     the same without the wait, exit N
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int g_counter = 5;
volatile int g_watch;
unsigned char g_bytes[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

enum { NWORKERS = 2 };
static int release_pipe[2];
static volatile pid_t worker_tid[NWORKERS];

/* Blocks in read() until main writes to the pipe. */
static void __attribute__((noinline)) worker_wait(int idx)
{
	char c;
	while (read(release_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	(void)idx;
}

static void *worker(void *arg)
{
	int idx = (int)(long)arg;
	char name[] = "worker-N";

	name[7] = (char)('1' + idx);
	pthread_setname_np(pthread_self(), name);
	worker_tid[idx] = (pid_t)syscall(SYS_gettid);
	worker_wait(idx);
	return NULL;
}

/* Whether thread TID is asleep in the kernel (state S in its stat). */
static int asleep(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/* Writes N to DIR/NAME. */
static int note(const char *dir, const char *name, int n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	if (fprintf(f, "%d\n", n) < 0) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int __attribute__((noinline)) work(int a, int b)
{
	int local = a * b;
	int sum = 0;

	g_watch = local + 1;
	for (int i = 0; i < 40; i++)
		sum += i * local;
	g_counter += 1;
	return sum + local;
}

int main(int argc, char **argv)
{
	pthread_t th[NWORKERS];
	sigset_t set;
	int code = 7, r;

	if (argc != 3 || (strcmp(argv[1], "wait") && strcmp(argv[1], "exit"))) {
		fprintf(stderr, "usage: cprog wait DIR | cprog exit N\n");
		return 2;
	}
	if (!strcmp(argv[1], "wait")) {
		if (note(argv[2], "pid", (int)getpid()))
			return 3;
	} else {
		code = atoi(argv[2]);
	}
	/* SIGUSR1 stays pending for sigwaitinfo (the workers inherit the mask). */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pipe(release_pipe))
		return 3;
	for (long i = 0; i < NWORKERS; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i))
			return 3;
	for (int i = 0; i < NWORKERS; i++)
		while (!worker_tid[i] || !asleep(worker_tid[i]))
			usleep(1000);

	/* r10 and r11 hold what libc left there (a pointer-guard-mangled
	 * value, different in every run): clear them so that `info
	 * registers` in work() is the same from run to run. */
	__asm__ volatile("xor %%r10d, %%r10d\n\txor %%r11d, %%r11d" ::: "r10", "r11");
	r = work(6, 7);
	printf("work=%d counter=%d watch=%d\n", r, g_counter, g_watch);
	fflush(stdout);

	if (!strcmp(argv[1], "wait"))
		while (sigwaitinfo(&set, NULL) != SIGUSR1)
			;
	if (write(release_pipe[1], "xx", NWORKERS) != NWORKERS)
		return 3;
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(th[i], NULL);
	if (!strcmp(argv[1], "wait") && note(argv[2], "exit", code))
		return 3;
	return code;
}
