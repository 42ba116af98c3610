/*
 * server.c - the connection: listen/accept or stdin/stdout, acks, no-ack
 * mode, the poll loop over the client and the traced process, interrupts,
 * and what happens when the client goes away.
 *
 * One client at a time.  All-stop: while the target runs the loop waits for
 * either a ^C (0x03) from the client or an event from the ptrace layer
 * (stub_ptrace_event_fd()), and sends the stop reply the resume owes.
 * Non-stop (QNonStop:1): packets are served while threads run (the process
 * is paused around each one, unseen), and stops go out as %Stop
 * notifications that the client drains with vStopped (cmd_run.c).
 * Console output of monitor commands goes out as O packets before the
 * final reply, as gdbserver sends it (rsp-gdb-lldb.md §4).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rsp_dispatch.h"

struct gsc_error *stub_listen(const char *comm, int *fd_ret, int *port_ret, bool *nonlocal_ret)
{
	const char *colon = strrchr(comm, ':');
	if (!colon)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "%s: expected [HOST]:PORT", comm);
	char host[256];
	size_t hl = (size_t)(colon - comm);
	if (hl >= sizeof(host))
		return gsc_error_create(GSC_ERR_INVALID_ARG, "%s: host name too long", comm);
	memcpy(host, comm, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {	/* [::1]:port */
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	char *endp;
	long port = strtol(colon + 1, &endp, 10);
	if (!colon[1] || *endp || port < 0 || port > 65535)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "%s: bad port number", comm);
	/* "localhost" and "" mean IPv4 loopback: gdb's testsuite connects to localhost:PORT */
	const char *node = (!host[0] || !strcmp(host, "localhost")) ? "127.0.0.1" : host;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res;
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%ld", port);
	int gai = getaddrinfo(node, portstr, &hints, &res);
	if (gai)	/* gdb's testsuite waits for gdbserver's words */
		return gsc_error_create(GSC_ERR_INVALID_ARG, "%s: cannot resolve name: %s", comm, gai_strerror(gai));
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return gsc_error_errno(errno, "socket");
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bool nonlocal = true;
	if (res->ai_family == AF_INET)
		nonlocal = (ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr) >> 24) != 127;
	else if (res->ai_family == AF_INET6)
		nonlocal = !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr);
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1) != 0) {
		int e = errno;
		freeaddrinfo(res);
		close(fd);
		return gsc_error_errno(e, "bind");
	}
	freeaddrinfo(res);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		int e = errno;
		close(fd);
		return gsc_error_errno(e, "getsockname");
	}
	*port_ret = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
					     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	*fd_ret = fd;
	*nonlocal_ret = nonlocal;
	return NULL;
}

/*
 * SIGTERM, SIGHUP and SIGINT end the stub as a disconnect with --once does:
 * the handler only records the signal and writes a byte to a pipe the poll
 * loops watch (both async-signal-safe); the loops then unwind and
 * after_disconnect() detaches or kills.  Between fork and the child's exec
 * the handler is the child's too: getpid() keeps it from waking us.
 */
static volatile sig_atomic_t quit_signo;
static int quit_pipe[2] = { -1, -1 };
static pid_t stub_pid;

static void on_quit_signal(int sig)
{
	int saved = errno;
	if (getpid() == stub_pid) {
		quit_signo = sig;
		ssize_t n = write(quit_pipe[1], "", 1);
		(void)n;
	}
	errno = saved;
}

struct gsc_error *stub_catch_quit_signals(bool sigint)
{
	if (pipe(quit_pipe) != 0)
		return gsc_error_errno(errno, "pipe");
	for (int i = 0; i < 2; i++) {
		fcntl(quit_pipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(quit_pipe[i], F_SETFL, O_NONBLOCK);
	}
	stub_pid = getpid();
	struct sigaction sa = { .sa_handler = on_quit_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	const int sigs[] = { SIGTERM, SIGHUP, sigint ? SIGINT : 0 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;
		/* a signal ignored when we started (nohup, a background job) stays ignored */
		if (sigs[i] && sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
	return NULL;
}

int stub_quit_signal(void)
{
	return quit_signo;
}

struct conn {
	int in, out;
	struct rsp_decoder dec;
	struct rsp_buf wire;	/* the last packet sent, for '-' */
	struct rsp_buf tmp;
	bool broken;
};

static void write_all(struct conn *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len && !c->broken) {
		ssize_t n = write(c->out, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->broken = true;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

static void send_packet(struct stub_session *s, struct conn *c, const uint8_t *payload, size_t len)
{
	rsp_buf_reset(&c->wire);
	rsp_encode(&c->wire, payload, len, true);
	if (c->wire.oom) {
		rsp_buf_reset(&c->wire);
		rsp_encode(&c->wire, (const uint8_t *)"E0c", 3, false);
	}
	if (s->remote_debug)
		fprintf(stderr, "gostub: putpkt (\"%.*s\")\n", (int)(len > 200 ? 200 : len), (const char *)payload);
	write_all(c, c->wire.data, c->wire.len);
}

/* Monitor output as O packets, a line (or 1 KiB) each. */
static void flush_console(struct stub_session *s, struct conn *c)
{
	const uint8_t *p = s->console.data;
	size_t left = s->console.len;
	while (left) {
		size_t n = 0;
		while (n < left && n < 1024 && p[n] != '\n')
			n++;
		if (n < left && p[n] == '\n' && n < 1024)
			n++;
		rsp_buf_reset(&c->tmp);
		rsp_buf_add_char(&c->tmp, 'O');
		rsp_buf_add_hex(&c->tmp, p, n);
		send_packet(s, c, c->tmp.data, c->tmp.len);
		p += n;
		left -= n;
	}
	rsp_buf_reset(&s->console);
}

static void report(struct stub_session *s, struct conn *c, const struct stub_event *ev, struct rsp_buf *reply)
{
	stub_report_event(s, ev, reply);
	send_packet(s, c, reply->data, reply->len);
}

/* Non-stop: the head of the stop queue as a %Stop notification (no ack, never resent on '-'). */
static void send_notification(struct stub_session *s, struct conn *c)
{
	const char *n = stub_ns_next_notification(s);
	if (!n)
		return;
	rsp_buf_reset(&c->tmp);
	rsp_buf_add_str(&c->tmp, "Stop:");
	rsp_buf_add_str(&c->tmp, n);
	struct rsp_buf enc;
	rsp_buf_init(&enc);
	rsp_encode(&enc, c->tmp.data, c->tmp.len, true);
	if (!enc.oom && enc.len) {
		enc.data[0] = '%';
		if (s->remote_debug)
			fprintf(stderr, "gostub: putpkt (\"%%Stop:%.*s\") [notif]\n", 200, n);
		write_all(c, enc.data, enc.len);
	}
	rsp_buf_deinit(&enc);
}

/* While running: an event from the process, if there is one. */
static void check_process(struct stub_session *s, struct conn *c, struct rsp_buf *reply)
{
	if (!s->running || !s->proc)
		return;
	struct stub_event ev;
	struct gsc_error *err = stub_proc_poll(s->proc, &ev);
	if (err) {
		fprintf(stderr, "gostub: %s\n", err->message);
		gsc_error_destroy(err);
		return;
	}
	if (ev.kind == STUB_EV_NONE)
		return;
	if (s->non_stop) {
		stub_ns_event(s, &ev);
		stub_ns_resume(s);
		send_notification(s, c);
		return;
	}
	report(s, c, &ev, reply);
}

/* All-stop ^C: the stop reply the resume owes follows (SIGINT). */
static void interrupt(struct stub_session *s)
{
	if (!s->running || !s->proc)
		return;
	struct gsc_error *err = stub_proc_interrupt(s->proc);
	if (err) {
		fprintf(stderr, "gostub: %s\n", err->message);
		gsc_error_destroy(err);
	}
}

static void on_packet(struct stub_session *s, struct conn *c, const struct rsp_event *ev, struct rsp_buf *reply)
{
	if (!s->no_ack)
		write_all(c, "+", 1);
	if (s->running && !s->non_stop) {
		/* all-stop: only ^C (or vCtrlC) is meaningful while the target runs */
		if (ev->payload_len == 6 && !memcmp(ev->payload, "vCtrlC", 6)) {
			send_packet(s, c, (const uint8_t *)"OK", 2);
			interrupt(s);
		} else if (s->debug) {
			fprintf(stderr, "gostub: packet ignored while running\n");
		}
		return;
	}
	stub_ns_pause(s);	/* non-stop: handlers find the target still */
	enum rsp_result r = rsp_dispatch(s, ev->payload, ev->payload_len, reply);
	flush_console(s, c);
	if (r == RSP_REPLY)
		send_packet(s, c, reply->data, reply->len);
	if (s->no_ack && !c->dec.no_ack)
		rsp_decoder_set_no_ack(&c->dec, true);
	if (s->non_stop) {
		stub_ns_resume(s);
		send_notification(s, c);
	} else if (s->running) {
		check_process(s, c, reply);
	}
}

static void on_input(struct stub_session *s, struct conn *c, const uint8_t *buf, size_t n, struct rsp_buf *reply)
{
	while (n && !s->quit && !c->broken) {
		struct rsp_event ev;
		size_t used = rsp_decoder_feed(&c->dec, buf, n, &ev);
		buf += used;
		n -= used;
		switch (ev.kind) {
		case RSP_EV_PACKET:
			on_packet(s, c, &ev, reply);
			break;
		case RSP_EV_NACK:
			if (c->wire.len)
				write_all(c, c->wire.data, c->wire.len);
			break;
		case RSP_EV_INTERRUPT:
			if (s->non_stop) {
				stub_ns_pause(s);
				stub_ns_interrupt(s);
				stub_ns_resume(s);
				send_notification(s, c);
			} else {
				interrupt(s);
			}
			break;
		case RSP_EV_BAD_CHECKSUM:
			if (!s->no_ack)
				write_all(c, "-", 1);
			break;
		case RSP_EV_TOO_LONG:
			if (!s->no_ack)
				write_all(c, "+", 1);
			stub_reply_error(s, reply, 0x16, "packet too long");
			send_packet(s, c, reply->data, reply->len);
			break;
		default:
			break;
		}
		if (!used)
			break;
	}
}

/* One client, until it goes away or the session ends. */
static void serve_conn(struct stub_session *s, int in, int out)
{
	struct conn c = { .in = in, .out = out };
	struct rsp_buf reply;
	rsp_buf_init(&reply);
	rsp_buf_init(&c.wire);
	rsp_buf_init(&c.tmp);
	struct gsc_error *err = rsp_decoder_init(&c.dec, (size_t)s->packet_size * 2 + 64);
	if (err) {
		fprintf(stderr, "gostub: %s\n", err->message);
		gsc_error_destroy(err);
		return;
	}
	/* a new client negotiates afresh */
	s->no_ack = s->extended = s->multiprocess = s->swbreak = s->hwbreak = false;
	s->error_message = s->error_strings = s->binary_upload = false;
	s->thread_suffix = s->list_threads = s->lldb = false;
	s->fork_events = s->vfork_events = s->exec_events = false;
	s->g_thread = s->c_thread = (struct stub_ptid){ 0, 0 };
	s->running = false;
	stub_ns_set(s, false);	/* all-stop until the client sends QNonStop:1 */
	static uint8_t buf[65536];
	while (!s->quit && !c.broken) {
		struct pollfd pfd[3] = { { .fd = in, .events = POLLIN }, { .fd = -1 },
					 { .fd = quit_pipe[0], .events = POLLIN } };
		if (s->running && s->proc)
			pfd[1] = (struct pollfd){ .fd = stub_ptrace_event_fd(), .events = POLLIN };
		int r = poll(pfd, 3, s->running ? 100 : -1);
		if (quit_signo) {
			s->quit = true;
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (s->running)
			check_process(s, &c, &reply);	/* also on timeout: an event may be pending */
		if (r > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(in, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				break;
			on_input(s, &c, buf, (size_t)n, &reply);
		}
	}
	rsp_decoder_deinit(&c.dec);
	rsp_buf_deinit(&c.wire);
	rsp_buf_deinit(&c.tmp);
	rsp_buf_deinit(&reply);
}

/*
 * The client went away.  Without --once gostub waits for the next client
 * with the process stopped, as gdbserver does (gdb's reconnect tests rely
 * on it); with --once or stdio it is about to exit: an attached process is
 * detached, a launched one killed.
 */
static void after_disconnect(struct stub_session *s, bool keep)
{
	if (!s->proc)
		return;
	if (s->running) {
		struct stub_event ev;
		struct gsc_error *err = stub_proc_interrupt(s->proc);
		if (!err)
			err = stub_proc_wait(s->proc, &ev);
		if (err)
			gsc_error_destroy(err);
		s->running = false;
		if (!err && (ev.kind == STUB_EV_EXITED || ev.kind == STUB_EV_SIGNALED)) {
			stub_proc_destroy(s->proc);
			stub_session_set_proc(s, NULL, 0);
			if (!keep || s->quit)
				stub_drop_process(s);	/* the other processes */
			return;
		}
	}
	if (keep && !s->quit)
		return;
	for (size_t i = 0; i < s->nothers; i++)
		fprintf(stderr, "%s process %d\n", stub_proc_was_attached(s->others[i]) ? "Detaching from" : "Killing",
			(int)stub_proc_pid(s->others[i]));
	if (stub_proc_was_attached(s->proc))
		fprintf(stderr, "Detaching from process %d\n", (int)stub_proc_pid(s->proc));
	else
		fprintf(stderr, "Killing process %d\n", (int)stub_proc_pid(s->proc));
	stub_drop_process(s);
}

/* Until listen_fd has a client (true) or a quit signal came (false). */
static bool wait_for_client(int listen_fd)
{
	while (!quit_signo) {
		struct pollfd pfd[2] = { { .fd = listen_fd, .events = POLLIN },
					 { .fd = quit_pipe[0], .events = POLLIN } };
		int r = poll(pfd, 2, -1);
		if (quit_signo)
			break;
		if ((r > 0 && pfd[0].revents) || (r < 0 && errno != EINTR))
			return true;	/* accept() says what went wrong, if anything */
	}
	return false;
}

int stub_serve(struct stub_session *s, int listen_fd, bool once)
{
	for (;;) {
		if (quit_signo) {
			s->quit = true;
		} else if (listen_fd < 0) {
			fprintf(stderr, "Remote debugging using stdio\n");
			serve_conn(s, 0, 1);
		} else if (wait_for_client(listen_fd)) {
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);
			int fd = accept(listen_fd, (struct sockaddr *)&ss, &sl);
			if (fd < 0) {
				if (errno == EINTR)
					continue;
				perror("gostub: accept");
				break;
			}
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
			getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
				    NI_NUMERICHOST | NI_NUMERICSERV);
			fprintf(stderr, "Remote debugging from host %s, port %s\n", host, port);
			serve_conn(s, fd, fd);
			close(fd);
		}
		if (quit_signo)
			s->quit = true;
		after_disconnect(s, !once && listen_fd >= 0);
		if (s->quit || once || listen_fd < 0 || (!s->multi && !s->proc))
			break;
		fprintf(stderr, "Remote side has terminated connection.  gostub will reopen the connection.\n");
	}
	stub_drop_process(s);
	return 0;
}
