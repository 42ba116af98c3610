/*
 * monitor.c - commands typed after gdb's "monitor" or lldb's "process plugin
 * packet monitor" (qRcmd).  Output is appended to s->console; the server
 * sends it as O packets before the final reply, as gdbserver does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rsp_dispatch.h"

static void say(struct stub_session *s, const char *text)
{
	rsp_buf_add_str(&s->console, text);
}

static bool parse_bool(const char *v, bool *ret)
{
	if (!strcmp(v, "1") || !strcmp(v, "on")) {
		*ret = true;
		return true;
	}
	if (!strcmp(v, "0") || !strcmp(v, "off")) {
		*ret = false;
		return true;
	}
	return false;
}

static void m_help(struct stub_session *s, const char *arg, struct rsp_buf *reply);

// monitor exit: quit gostub (a launched process is killed, an attached one detached)
static void m_exit(struct stub_session *s, const char *arg, struct rsp_buf *reply)
{
	(void)arg;
	s->quit = true;
	stub_reply_ok(reply);
}

// monitor set debug <0|1>: log what gostub does to stderr
static void m_set_debug(struct stub_session *s, const char *arg, struct rsp_buf *reply)
{
	if (!parse_bool(arg, &s->debug)) {
		say(s, "usage: monitor set debug <0|1>\n");
		stub_reply_error(s, reply, 0x16, "usage: monitor set debug <0|1>");
		return;
	}
	say(s, s->debug ? "Debug output enabled.\n" : "Debug output disabled.\n");	/* gdbserver's words */
	stub_reply_ok(reply);
}

// monitor set remote-debug <0|1>: log packets to stderr
static void m_set_remote_debug(struct stub_session *s, const char *arg, struct rsp_buf *reply)
{
	if (!parse_bool(arg, &s->remote_debug)) {
		say(s, "usage: monitor set remote-debug <0|1>\n");
		stub_reply_error(s, reply, 0x16, "usage: monitor set remote-debug <0|1>");
		return;
	}
	say(s, s->remote_debug ? "Protocol debug output enabled.\n" : "Protocol debug output disabled.\n");
	stub_reply_ok(reply);
}

// monitor set debug-format all|none|...: accepted for gdbserver compatibility (no extra format)
static void m_set_debug_format(struct stub_session *s, const char *arg, struct rsp_buf *reply)
{
	if (!strcmp(arg, "all"))
		say(s, "All extra debug format options enabled.\n");
	else if (!strcmp(arg, "none"))
		say(s, "All extra debug format options disabled.\n");
	stub_reply_ok(reply);
}

// monitor set libthread-db-search-path PATH: accepted (gostub does not use libthread_db)
static void m_set_thread_db_path(struct stub_session *s, const char *arg, struct rsp_buf *reply)
{
	say(s, "libthread-db-search-path set to `");
	say(s, arg);
	say(s, "'\n");
	stub_reply_ok(reply);
}

// monitor set debug-hw-points|event-loop-debug|debug-format ...: accepted for gdbserver compatibility
static void m_set_ignored(struct stub_session *s, const char *arg, struct rsp_buf *reply)
{
	(void)s, (void)arg;
	stub_reply_ok(reply);
}

struct monitor_command {
	const char *name;
	bool takes_arg;
	void (*fn)(struct stub_session *s, const char *arg, struct rsp_buf *reply);
	const char *help;
};

static const struct monitor_command commands[] = {
	{ "help", false, m_help, "help\n    Show this list\n" },
	{ "exit", false, m_exit, "exit\n    Quit gostub (kills a launched program, detaches an attached one)\n" },
	{ "set debug", true, m_set_debug, "set debug <0|1>\n    Log gostub's actions to its stderr\n" },
	{ "set remote-debug", true, m_set_remote_debug,
	  "set remote-debug <0|1>\n    Log the packets gostub receives to its stderr\n" },
	{ "set debug-hw-points", true, m_set_ignored, NULL },
	{ "set event-loop-debug", true, m_set_ignored, NULL },
	{ "set debug-format", true, m_set_debug_format, NULL },
	{ "set libthread-db-search-path", true, m_set_thread_db_path, NULL },
	{ NULL, false, NULL, NULL },
};

// monitor help: the commands above
static void m_help(struct stub_session *s, const char *arg, struct rsp_buf *reply)
{
	(void)arg;
	say(s, "The following monitor commands are supported:\n");
	for (const struct monitor_command *c = commands; c->name; c++) {
		if (!c->help)
			continue;
		say(s, "  ");
		say(s, c->help);
	}
	stub_reply_ok(reply);
}

void stub_monitor(struct stub_session *s, const char *cmd, struct rsp_buf *reply)
{
	rsp_buf_reset(reply);
	while (*cmd == ' ')
		cmd++;
	size_t len = strlen(cmd);
	while (len && cmd[len - 1] == ' ')
		len--;
	for (const struct monitor_command *c = commands; c->name; c++) {
		size_t nl = strlen(c->name);
		if (len < nl || strncmp(cmd, c->name, nl) != 0)
			continue;
		if (!c->takes_arg && len != nl)
			continue;
		if (c->takes_arg && (len == nl || cmd[nl] != ' '))
			continue;
		char arg[256] = "";
		if (c->takes_arg) {
			const char *v = cmd + nl;
			while (*v == ' ')
				v++;
			snprintf(arg, sizeof(arg), "%.*s", (int)(cmd + len - v), v);
		}
		c->fn(s, arg, reply);
		return;
	}
	say(s, "Unknown monitor command.\n\n");
	stub_reply_error(s, reply, 1, "unknown monitor command");
}
