/*
 * stepbreak.c - the program bench/gostub-vs-gdbserver.sh debugs.
 *
 * stepbreak [MIB [N]]: mallocs MIB MiB (default 64) and writes every byte
 * (a deterministic, poorly compressible pattern, so run-length encoding
 * helps neither server), calls ready() with buf/buf_size set, then calls
 * f() N times (default 100000).  ready() and f() are noinline so `break`
 * finds them; calls counts the calls to f() so a debugger can check how
 * many breakpoint hits really happened.
 */
#include <stdint.h>
#include <stdlib.h>

char *buf;
size_t buf_size;
volatile unsigned long calls;

__attribute__((noinline)) void ready(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void f(unsigned long i)
{
	calls = calls + 1 + (i & 0);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 0) : 100000;
	uint32_t x = 2463534242u;

	buf_size = mib << 20;
	buf = malloc(buf_size);
	if (!buf)
		return 2;
	for (size_t i = 0; i < buf_size; i += 4) {
		x ^= x << 13;	/* xorshift32 */
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (char)x;
		buf[i + 1] = (char)(x >> 8);
		buf[i + 2] = (char)(x >> 16);
		buf[i + 3] = (char)(x >> 24);
	}
	ready();
	for (unsigned long i = 0; i < n; i++)
		f(i);
	return calls == n ? 0 : 1;
}
