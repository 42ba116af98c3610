/*
 * target.c - the C program tests/run-lldb-*.sh debug through gostub: a main
 * thread and a named worker thread, globals with known contents, one function
 * to stop at by name, one by address, and one write for a watchpoint.
 *
 *   target        run straight through, exit code 7
 *   target wait   first wait (up to 20 s) until the debugger writes 1 into
 *                 release_flag (the --attach and detach check), then the same
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* Read back byte for byte with `memory read`. */
unsigned char magic[16] = {
	0x47, 0x4f, 0x53, 0x43, 0x4f, 0x50, 0x45, 0x21,
	0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67,
};
volatile int counter = 5;	/* the watched global: bump() writes 16 */
volatile int release_flag;	/* written by the debugger in "wait" mode */
static volatile int stop_worker;

__attribute__((noinline)) int hit(int x)
{
	return x + magic[0];
}

__attribute__((noinline)) void bump(void)
{
	counter = counter * 3 + 1;
}

__attribute__((noinline)) int by_address(int x)
{
	return x * 2;
}

static void *worker(void *arg)
{
	(void)arg;
	while (!stop_worker)
		usleep(1000);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int r;

	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 2;
	pthread_setname_np(t, "worker");
	if (argc > 1 && strcmp(argv[1], "wait") == 0) {
		for (int i = 0; i < 20000 && !release_flag; i++)
			usleep(1000);
		if (!release_flag)
			return 3;
	}
	r = hit(1);
	bump();
	r += by_address(r);
	stop_worker = 1;
	pthread_join(t, NULL);
	return counter == 16 && r == 0x48 * 3 ? 7 : 4;
}
