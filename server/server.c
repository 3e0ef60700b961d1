#include "config.h"

#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "allowed_keys.h"
#include "bigint.h"
#include "conn.h"
#include "clock.h"
#include "errors.h"
#include "frame.h"
#include "log.h"
#include "notify_listener.h"
#include "protocol.h"

struct server {
	const struct server_config *cfg;
	struct event_loop *loop;
	struct conn_env env;
	struct request_ctx ctx;
	struct request_output output;
	struct notify_listener *listener;  /* wakes the parked waits */
	int listen_fd;
	int signal_fd;
	unsigned max_connections;
	int64_t shutdown_deadline_ms;   /* 0 while serving */
};

/* "addr:port" of a socket address, IPv6 in brackets, and the address
 * alone in host (ADDRESS_HOST_MAX bytes). */
static void server_format_addr(const struct sockaddr *sa, char *host, char *out, size_t outlen)
{
	unsigned port = 0;

	snprintf(host, ADDRESS_HOST_MAX, "?");
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, ADDRESS_HOST_MAX);
		port = ntohs(in->sin_port);
		snprintf(out, outlen, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, ADDRESS_HOST_MAX);
		port = ntohs(in6->sin6_port);
		snprintf(out, outlen, "[%s]:%u", host, port);
	} else {
		snprintf(out, outlen, "?");
	}
}

/* Binds and listens on cfg->listen:cfg->port; err says why not. */
static int server_listen(const struct server_config *cfg, int *fd_out, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, one = 1, gai, saved = 0;

	*fd_out = -1;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	gai = getaddrinfo(cfg->listen, cfg->port, &hints, &res);
	if (gai != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", cfg->listen, gai_strerror(gai));
		return RC_ERR_IO;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SERVER_LISTEN_BACKLOG) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s port %s: %s", cfg->listen, cfg->port, strerror(saved));
		return RC_ERR_IO;
	}
	*fd_out = fd;
	return RC_OK;
}

static void server_handle_accept(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct server *srv = arg;

	(void)loop;
	(void)events;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		char peer[CONN_PEER_MAX], host[ADDRESS_HOST_MAX];
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC), r;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn(0, "accept: %s", strerror(errno));
			return;
		}
		server_format_addr((struct sockaddr *)&ss, host, peer, sizeof peer);
		if (srv->env.count >= srv->max_connections) {
			log_warn(0, "connection limit (%u) reached: closing the connection from %s",
			         srv->max_connections, peer);
			close(cfd);
			continue;
		}
		if ((r = conn_start(&srv->env, cfd, host, peer)) == RC_ERR_TOO_LARGE) {
			log_warn(0, "connection limit per address (%u) reached: closing the connection from %s",
			         srv->env.max_per_address, peer);
			close(cfd);
		} else if (r != RC_OK) {
			log_error(0, "out of memory: closing the connection from %s", peer);
			close(cfd);
		}
	}
}

static void server_sweep(struct event_loop *loop, void *arg)
{
	struct server *srv = arg;
	int64_t now = clock_now_ms();

	(void)loop;
	conn_sweep(&srv->env, now);
	notify_listener_tick(srv->listener, now);
}

static void server_wake_waiters(void *arg, const char *login)
{
	struct server *srv = arg;

	conn_wake_waiters(&srv->env, login);
}

/* The listener is (back) on the database: workers in their reconnection
 * backoff try at once, then every parked wait looks again. */
static void server_catch_up(void *arg)
{
	struct server *srv = arg;

	worker_pool_database_back(srv->env.pool);
	conn_wake_waiters(&srv->env, NULL);
}

static void server_begin_shutdown(struct server *srv)
{
	if (srv->shutdown_deadline_ms)
		return;
	log_info(0, "shutting down: no new connections, finishing %u open one(s)", srv->env.count);
	srv->shutdown_deadline_ms = clock_now_ms() + SERVER_SHUTDOWN_GRACE_MS;
	/* The deadline is checked at least this often, whatever else happens. */
	event_loop_set_tick(srv->loop, SERVER_SHUTDOWN_TICK_MS, server_sweep, srv);
	event_loop_unwatch(srv->loop, srv->listen_fd);
	close(srv->listen_fd);
	srv->listen_fd = -1;
	conn_drain_all(&srv->env);
}

static void server_handle_signal(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct signalfd_siginfo si;

	(void)loop;
	(void)events;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		log_info(0, "received signal %u", si.ssi_signo);
	server_begin_shutdown(arg);
}

static void server_collect_jobs(struct event_loop *loop, void *arg)
{
	struct server *srv = arg;
	struct request_job *job = worker_pool_take_done(srv->env.pool);

	(void)loop;
	while (job) {
		struct request_job *next = job->next;

		conn_handle_job_done(job);
		job = next;
	}
}

/* The safe point: closes what was marked, and ends the loop once a
 * shutdown has nothing left to finish. */
static void server_before_poll(struct event_loop *loop, void *arg)
{
	struct server *srv = arg;
	int busy = 0;

	if (srv->shutdown_deadline_ms && clock_now_ms() >= srv->shutdown_deadline_ms) {
		/* Running requests learn that their connections are gone and stop. */
		log_warn(0, "shutdown grace period over: closing %u connection(s)", srv->env.count);
		for (struct conn *c = srv->env.all; c; c = c->next)
			conn_close(c, NULL);
		event_loop_stop(loop);
	}
	conn_reap(&srv->env);
	if (!srv->shutdown_deadline_ms)
		return;
	for (struct conn *c = srv->env.all; c; c = c->next)
		busy |= c->fd >= 0 || c->job;
	if (!busy)
		event_loop_stop(loop);
}

static void server_notify(void *arg)
{
	event_loop_wakeup(arg);
}

/* Blocks SIGINT/SIGTERM (inherited by the workers) and reads them from an fd. */
static int server_signals(int *fd_out)
{
	sigset_t set;

	*fd_out = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return RC_ERR_IO;
	signal(SIGPIPE, SIG_IGN);
	*fd_out = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return *fd_out < 0 ? RC_ERR_IO : RC_OK;
}

/* Allows as many descriptors as the hard limit and keeps max_connections
 * below it, so accept() never fails for want of descriptors. */
static unsigned server_connection_cap(unsigned wanted)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return wanted;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)wanted + SERVER_RESERVED_FDS) {
		unsigned cap = rl.rlim_cur > SERVER_RESERVED_FDS ? (unsigned)(rl.rlim_cur - SERVER_RESERVED_FDS) : 1;

		log_warn(0, "max-connections lowered from %u to %u (open file limit %llu)", wanted, cap,
		         (unsigned long long)rl.rlim_cur);
		return cap;
	}
	return wanted;
}

static int server_sweep_interval_ms(const struct server_config *cfg)
{
	int shortest = cfg->handshake_timeout_ms < cfg->idle_timeout_ms ? cfg->handshake_timeout_ms
	                                                                 : cfg->idle_timeout_ms;
	int interval = shortest / 4;

	return interval < 50 ? 50 : interval > 1000 ? 1000 : interval;
}

static int server_build_hello(const struct rsa_private *key, struct bytebuf *hello)
{
	uint8_t *e = NULL, *n = NULL;
	size_t elen, nlen;
	int r;

	if ((r = bigint_to_bytes(key->pub.e, &e, &elen)) != RC_OK)
		goto out;
	if ((r = bigint_to_bytes(key->pub.n, &n, &nlen)) != RC_OK)
		goto out;
	if ((r = frame_write_bytes(hello, e, elen)) != RC_OK)
		goto out;
	r = frame_write_bytes(hello, n, nlen);
out:
	free(e);
	free(n);
	return r;
}

int server_run(const struct server_config *cfg, const struct rsa_private *key, const char *conninfo)
{
	struct server srv;
	struct allowed_keys *allowed_keys = NULL;
	struct notify_listener_handlers listener_handlers = { server_wake_waiters, server_catch_up, &srv };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char err[512], where[128], host[ADDRESS_HOST_MAX];
	long cpus;
	int r;

	memset(&srv, 0, sizeof srv);
	srv.cfg = cfg;
	srv.listen_fd = srv.signal_fd = -1;
	bytebuf_init(&srv.env.hello, BYTEBUF_UNBOUNDED);
	srv.env.handshake_limits.max_frame_bytes = PROTO_HANDSHAKE_MAX_FRAME_BYTES;
	srv.env.handshake_limits.max_blocks = 1;
	srv.env.handshake_limits.max_total_bytes = PROTO_HANDSHAKE_MAX_FRAME_BYTES;
	srv.env.request_limits.max_frame_bytes = cfg->max_frame_bytes;
	srv.env.request_limits.max_blocks = cfg->max_blocks;
	srv.env.request_limits.max_total_bytes = cfg->max_request_bytes;
	srv.env.handshake_timeout_ms = cfg->handshake_timeout_ms;
	srv.env.idle_timeout_ms = cfg->idle_timeout_ms;
	srv.ctx.policy.require_key_proof = cfg->require_key_proof;
	srv.ctx.policy.registrations_per_hour = cfg->registrations_per_hour;
	srv.ctx.statement_timeout_ms = cfg->statement_timeout_ms;
	srv.env.write_timeout_ms = cfg->write_timeout_ms;
	srv.env.max_per_address = cfg->max_per_address;
	srv.env.server_modulus_bytes = rsa_modulus_bytes(&key->pub);
	srv.env.output = &srv.output;
	srv.output.max_response = cfg->max_output_bytes;
	srv.output.max_total = cfg->max_output_total_bytes;
	srv.ctx.output = &srv.output;
	srv.ctx.server_key = key;
	srv.ctx.response_chunk_wide = cfg->response_chunk_wide;
	srv.ctx.max_request_bytes = cfg->max_request_bytes;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	srv.ctx.encrypt_threads = cpus > 1 ? (unsigned)cpus : 1;
	srv.max_connections = server_connection_cap(cfg->max_connections);

	if ((r = server_build_hello(key, &srv.env.hello)) != RC_OK)
		goto out;
	if (cfg->allowed_keys_path &&
	    (r = allowed_keys_load(cfg->allowed_keys_path, &allowed_keys, err, sizeof err)) != RC_OK) {
		log_error(0, "allowed keys: %s", r == RC_ERR_NOMEM ? "out of memory" : err);
		goto out;
	}
	srv.ctx.policy.allowed_keys = allowed_keys;
	if ((r = server_signals(&srv.signal_fd)) != RC_OK) {
		log_error(0, "cannot set up signal handling: %s", strerror(errno));
		goto out;
	}
	if ((r = server_listen(cfg, &srv.listen_fd, err, sizeof err)) != RC_OK) {
		log_error(0, "%s", err);
		goto out;
	}
	if ((r = event_loop_new(&srv.loop)) != RC_OK)
		goto out;
	srv.env.loop = srv.loop;
	if ((r = worker_pool_start(cfg->workers, &srv.ctx, conninfo, server_notify, srv.loop, &srv.env.pool)) != RC_OK) {
		log_error(0, "cannot start %u worker threads", cfg->workers);
		goto out;
	}
	if ((r = notify_listener_new(srv.loop, conninfo, &listener_handlers, &srv.listener)) != RC_OK)
		goto out;
	event_loop_set_wakeup(srv.loop, server_collect_jobs, &srv);
	event_loop_set_before_poll(srv.loop, server_before_poll, &srv);
	event_loop_set_tick(srv.loop, server_sweep_interval_ms(cfg), server_sweep, &srv);
	if ((r = event_loop_watch(srv.loop, srv.listen_fd, EVENT_READABLE, server_handle_accept, &srv)) != RC_OK ||
	    (r = event_loop_watch(srv.loop, srv.signal_fd, EVENT_READABLE, server_handle_signal, &srv)) != RC_OK)
		goto out;

	if (cfg->require_key_proof)
		log_info(0, "clients must prove they hold their key before acting as a user");
	if (allowed_keys)
		log_info(0, "registration is closed but for %zu allowed key(s)", allowed_keys_count(allowed_keys));
	getsockname(srv.listen_fd, (struct sockaddr *)&ss, &sl);
	server_format_addr((struct sockaddr *)&ss, host, where, sizeof where);
	fprintf(stderr, "rsa-chat-server: listening on %s (worker threads: %u); connect with: rsa-chat --host %s --port %u\n",
	        where, cfg->workers, cfg->listen,
	        ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
	                                 : ntohs(((struct sockaddr_in *)&ss)->sin_port));
	r = event_loop_run(srv.loop);
	if (r != RC_OK)
		log_error(0, "event loop failed: %s", strerror(errno));
	else
		log_info(0, "stopped");
out:
	if (worker_pool_stop(srv.env.pool, SERVER_STOP_WORKERS_MS) != RC_OK)
		return RC_ERR_TIMEOUT; /* workers still use everything: leave it all */
	srv.env.pool = NULL;
	notify_listener_free(srv.listener);
	if (srv.loop)
		conn_free_all(&srv.env);
	event_loop_free(srv.loop);
	if (srv.listen_fd >= 0)
		close(srv.listen_fd);
	if (srv.signal_fd >= 0)
		close(srv.signal_fd);
	bytebuf_free(&srv.env.hello);
	allowed_keys_free(allowed_keys);
	return r;
}
