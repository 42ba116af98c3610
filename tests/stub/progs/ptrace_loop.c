/* ptrace_loop: calls spin() twice (a loop of a few thousand instructions,
 * for range stepping), then hit() N times (argv[1], default 1000), exits 42.
 * With a second argument, first maps 64 MiB of patterned memory in big. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile long counter;
unsigned char *volatile big;

__attribute__((noinline)) void hit(long i)
{
	counter += i;
	__asm__ volatile("" ::: "memory");
}

volatile long spinsum;

__attribute__((noinline)) long spin(long n)
{
	long s = 0;
	for (long i = 0; i < n; i++)
		s += i ^ (s >> 3);
	return s;
}

__attribute__((noinline)) void ready(void)
{
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	if (argc > 2) {
		size_t size = (size_t)64 << 20;
		big = malloc(size);
		if (!big)
			return 1;
		for (size_t i = 0; i < size; i++)
			big[i] = (unsigned char)(i * 7 + (i >> 12));
	}
	ready();
	spinsum = spin(500) + spin(501);	/* not one call: spin is pure */
	for (long i = 0; i < n; i++)
		hit(i);
	return counter == n * (n - 1) / 2 ? 42 : 1;
}
