/* tlsprog.c - the thread-local storage target of tests/run-gdb-remote.sh.
 *
 * __thread variables in the program and in a shared object it links
 * (tlslib.c), set per thread; stop_here() is where gdb looks at them; then
 * tlsprog dl LIB dlopens the same source built with dl_ names (dl_tls,
 * dl_buf, dl_get): its TLS exists for a thread only once the thread used it.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

__thread int main_tls = 5;
__thread long main_big[4];
extern __thread int lib_tls;
int lib_get(void);

__attribute__((noinline)) void stop_here(int who)
{
	(void)who;
}

static void *worker(void *arg)
{
	main_tls = 100 + (int)(long)arg;
	lib_tls = 200 + (int)(long)arg;
	main_big[2] = 300;
	stop_here((int)(long)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "dl") == 0) {
		void *h = dlopen(argv[2], RTLD_NOW);
		int (*get)(void) = h ? (int (*)(void))dlsym(h, "dl_get") : NULL;
		if (!get)
			return 2;
		stop_here(10);	/* its TLS not yet used in this thread */
		printf("dl %d\n", get());
		stop_here(11);
		return 0;
	}
	pthread_t t;
	main_tls = 6;
	lib_tls = 7;
	for (long i = 0; i < 2; i++) {
		pthread_create(&t, NULL, worker, (void *)i);
		pthread_join(t, NULL);
	}
	stop_here(9);
	printf("%d %d\n", main_tls, lib_get());
	return 0;
}
