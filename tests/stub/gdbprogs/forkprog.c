/* forkprog.c - the fork/exec target of tests/run-gdb-remote.sh.
 *
 * work() is where gdb breaks; the fork child and the vfork child call it
 * too, so a child that keeps the debugger's int3 dies of SIGTRAP.  The
 * parent prints how each child ended, then execs itself ("again"), whose
 * image calls work(9) and exits 3.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int hits;

__attribute__((noinline)) void work(int who)
{
	hits += who;
}

static void report(const char *what, pid_t pid)
{
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		printf("%s: lost\n", what);
	else if (WIFEXITED(st))
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
	else
		printf("%s: status 0x%x\n", what, (unsigned)st);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		work(9);
		printf("again: hits %d\n", hits);
		return 3;
	}
	work(1);
	pid_t c = fork();
	if (c == 0) {
		work(2);
		_exit(7);
	}
	report("fork child", c);
	c = vfork();
	if (c == 0) {
		work(4);
		execl("/bin/sh", "sh", "-c", "exit 5", (char *)0);
		_exit(127);
	}
	report("vfork child", c);
	execl(argv[0], argv[0], "again", (char *)0);
	return 1;
}
