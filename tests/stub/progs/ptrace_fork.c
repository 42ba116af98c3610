/*
 * ptrace_fork - a parent whose fork and vfork children run through a
 * function the debugger has a breakpoint on.  Exits 0 when every child
 * ended as it should (fork child: 7, vfork child: 5, posix_spawn'd sh: 3),
 * 1 when one died of a signal or ended otherwise.
 */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
volatile int hits;

__attribute__((noinline)) void work(int who)
{
	hits += who;
}

static int check(pid_t pid, int want, const char *what)
{
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		perror(what);
		return 1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == want)
		return 0;
	fprintf(stderr, "%s child: status 0x%x\n", what, (unsigned)st);
	return 1;
}

int main(void)
{
	int bad = 0;
	work(1);
	pid_t c = fork();
	if (c == 0) {
		work(2);
		_exit(7);
	}
	bad |= check(c, 7, "fork");
	work(3);
	c = vfork();
	if (c == 0) {
		work(4);
		_exit(5);
	}
	bad |= check(c, 5, "vfork");
	char *argv[] = { "sh", "-c", "exit 3", NULL };
	if (posix_spawn(&c, "/bin/sh", NULL, NULL, argv, environ) != 0)
		c = -1;
	bad |= check(c, 3, "posix_spawn");
	work(5);
	return bad;
}
