/*
 * frames.c - a C program with varied frames for run-cfa.sh: leaf code,
 * callee-saved registers, alloca (frame pointer), stack realignment (CFA
 * expressions), early returns (remember/restore_state), variadic arguments,
 * a large frame, recursion, a cold split part.  Built with gcc -O2.
 */
#include <alloca.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile int sink;

__attribute__((noinline)) static int leaf(int a, int b)
{
	return a * b + 7;
}

__attribute__((noinline)) static void touch(void *p, size_t n)
{
	memset(p, (int)n, n);
	sink += ((unsigned char *)p)[n / 2];
}

/* Keeps many values live across calls: pushes rbx, rbp, r12-r15. */
__attribute__((noinline)) static long many_saved(long a, long b, long c, long d, long e, long f)
{
	long x = a * 3, y = b * 5, z = c * 7, w = d * 11, v = e * 13, u = f * 17;
	for (int i = 0; i < a; i++) {
		touch(&x, sizeof(x));
		x += y ^ z;
		y += w ^ v;
		z += u ^ x;
	}
	return x + y + z + w + v + u;
}

/* alloca: the CFA moves to the frame pointer. */
__attribute__((noinline)) static int with_alloca(size_t n)
{
	char *p = alloca(n + 1);
	touch(p, n);
	return p[n / 3] + leaf((int)n, 3);
}

/*
 * An over-aligned local plus alloca: gcc realigns the stack through a DRAP
 * register (DW_CFA_def_cfa r10, DW_CFA_expression for the saved registers,
 * DW_CFA_def_cfa_expression).
 */
__attribute__((noinline)) static int realigned(int n)
{
	char buf[64] __attribute__((aligned(64)));
	char *p = alloca((size_t)n + 1);
	touch(buf, (size_t)n % sizeof(buf));
	touch(p, (size_t)n);
	return buf[1] + p[0] + n;
}

/* Several exits: .cfi_remember_state / .cfi_restore_state around each. */
__attribute__((noinline)) static int early_exits(int a, int *p)
{
	if (a < 0)
		return -1;
	int s = 0;
	for (int i = 0; i < a; i++) {
		s += p[i];
		if (s > 1000) {
			touch(&s, sizeof(s));
			return s;
		}
		if (p[i] == 42)
			return leaf(s, i) + many_saved(a, s, i, 1, 2, 3);
	}
	touch(p, (size_t)a);
	return s;
}

__attribute__((noinline)) static long sum(int n, ...)
{
	va_list ap;
	long s = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, long);
	va_end(ap);
	return s;
}

__attribute__((noinline)) static int big_frame(int n)
{
	char buf[20000];
	touch(buf, sizeof(buf));
	return buf[n % (int)sizeof(buf)];
}

__attribute__((noinline)) static int recurse(int n)
{
	int local[4] = { n, n + 1, n + 2, n + 3 };
	if (n <= 0) {
		touch(local, sizeof(local));
		return local[2];
	}
	return recurse(n - 1) + local[n & 3];
}

__attribute__((noinline, cold)) static void fail(const char *what)
{
	fprintf(stderr, "frames: %s\n", what);
	exit(3);
}

__attribute__((noinline)) static int checked(int n)
{
	if (__builtin_expect(n == 12345, 0))
		fail("bad n");
	return n + sink;
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) static int with_fp(int n)
{
	volatile int v[8];
	for (int i = 0; i < 8; i++)
		v[i] = n + i;
	return v[n & 7] + leaf(n, n);
}

int main(int argc, char **argv)
{
	int arr[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	long r = many_saved(argc, 2, 3, 4, 5, 6);
	r += with_alloca((size_t)argc * 10);
	r += realigned(argc);
	r += early_exits(argc, arr);
	r += sum(3, 1L, 2L, (long)argc);
	r += big_frame(argc);
	r += recurse(argc + 3);
	r += checked(argc);
	r += with_fp(argc);
	printf("%ld\n", r + (argv[0] != NULL));
	return 0;
}
