/*
 * The web UI's server: libmicrohttpd without threads of its own, driven
 * from the runner's libev loop. MHD keeps its sockets in an epoll set whose
 * descriptor an ev_io watches; MHD_run() does the work whenever that set is
 * ready, and an ev_timer follows MHD_get_timeout() so that idle connections
 * time out. Everything, handlers included, runs on the loop's thread, so
 * handlers may call the runner API directly (the core is single-threaded).
 */
#include "web/web_internal.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Idle connections are closed after this many seconds. */
#define WEB_CONNECTION_TIMEOUT 30

struct locust_web {
    locust_runner *runner;
    struct ev_loop *loop;
    struct MHD_Daemon *daemon;
    ev_io io;
    ev_timer timer;
    int port;
    char *auth_user; /* NULL without basic auth */
    char *auth_pass;
    locust__web_conns conns; /* against slow clients (web_conns.c) */
};

locust_runner *locust__web_runner(const locust_web *w)
{
    return w->runner;
}

/* ---- the libev glue ---------------------------------------------------------- */

/* Re-arms the timer from MHD's next deadline (none: no timer). */
static void web_schedule(locust_web *w)
{
    MHD_UNSIGNED_LONG_LONG ms = 0;
    ev_timer_stop(w->loop, &w->timer);
    if (MHD_get_timeout(w->daemon, &ms) == MHD_YES) {
        ev_timer_set(&w->timer, (double)ms / 1000.0, 0.);
        ev_timer_start(w->loop, &w->timer);
    }
}

static void web_run(locust_web *w)
{
    MHD_run(w->daemon);
    web_schedule(w);
}

static void io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    web_run(io->data);
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    web_run(t->data);
}

/* ---- basic auth ---------------------------------------------------------------- */

static bool authorized(const locust_web *w, struct MHD_Connection *conn)
{
    if (!w->auth_user) return true;
    /*
     * Decoded here rather than by libmicrohttpd, whose 0.9.75 wants the
     * scheme as "Basic" exactly and cuts the password at a NUL byte.
     */
    const char *header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    return locust__web_basic_auth_ok(header, w->auth_user, w->auth_pass);
}

/* ---- requests -------------------------------------------------------------------- */

/*
 * Whether the client has half-closed the connection (shutdown(SHUT_WR)):
 * it will send no further request, so the connection is only worth its
 * slot until the response is out. MHD reads with epoll edge-triggered
 * and takes a read shorter than its buffer to mean the socket is drained,
 * so an end of stream that came in together with the request is never
 * read: the connection would sit in its slot, waiting for a next request,
 * until the idle timeout. Peeking finds it without taking any byte a
 * pipelined request may have left for MHD.
 */
static bool client_done_sending(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    char byte;
    return ci && recv(ci->connect_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Hands a filled response to MHD; the body's ownership moves to MHD. */
static enum MHD_Result queue(struct MHD_Connection *conn, locust_web_response *res)
{
    struct MHD_Response *mr;
    if (res->body && res->len) {
        mr = MHD_create_response_from_buffer(res->len, res->body, MHD_RESPMEM_MUST_FREE);
        if (mr) res->body = NULL;
    } else {
        mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!mr) return MHD_NO;
    for (size_t i = 0; i < res->n_headers; i++)
        MHD_add_response_header(mr, res->headers[i].name, res->headers[i].value);
    /*
     * MHD closes a connection whose response says so once that response is
     * written, which frees the slot at once. (An end of stream that comes
     * after this point is a new epoll event: MHD reads it itself, and closes
     * once the response is out or, idle, at once.)
     */
    if (client_done_sending(conn)) MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    locust_web *w = cls;
    locust_web_request *req = *con_cls;
    if (!req) {
        /* First call: headers only. The body, if any, follows in later calls. */
        req = calloc(1, sizeof *req);
        if (!req) return MHD_NO;
        locust__web_request_init(req, w, conn, method, url);
        *con_cls = req;
        locust__web_conn_head_done(conn);
        /*
         * MHD lets a response be queued now or once the body is in, not in
         * between. A body over the cap is read and dropped so that the
         * client, which is still sending, gets to read the 413; only one
         * announced as huge is refused at once (the client then sees the
         * connection close while it sends).
         */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > LOCUST__WEB_MAX_DISCARD) req->too_big = true;
        if (!req->too_big && authorized(w, conn)) return MHD_YES;
    } else if (*upload_data_size) {
        req->received += *upload_data_size;
        if (req->received > LOCUST__WEB_MAX_DISCARD) return MHD_NO;
        locust__web_request_feed(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    locust_web_response res;
    locust__web_response_init(&res);
    locust__web_request_end_body(req);
    if (req->too_big) {
        locust__web_response_error(&res, 413, "request body larger than %d bytes", LOCUST__WEB_MAX_BODY);
    } else if (!authorized(w, conn)) {
        locust__web_response_error(&res, 401, "authentication required");
        locust_web_response_header(&res, "WWW-Authenticate", "Basic realm=\"Locust\", charset=\"UTF-8\"");
    } else {
        locust__web_dispatch(w, req, &res);
    }
    enum MHD_Result ret = queue(conn, &res);
    locust__web_response_done(&res);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    locust_web *w = cls;
    locust__web_conn_request_done(&w->conns, conn);
    locust_web_request *req = *con_cls;
    if (!req) return;
    locust__web_request_done(req);
    free(req);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    locust_web *w = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = 0;
    /*
     * Its log is the only place libmicrohttpd says that it refused a
     * connection (per-address or overall limit): "Server reached
     * connection limit. Closing inbound connection."
     */
    if (strstr(msg, "connection limit")) locust__web_conns_refused(&w->conns);
    /* MHD reports every client that hangs up early: only worth a debug line. */
    locust_log(LOCUST_LOG_DEBUG, "locust.web", "%s", msg);
}

/* ---- lifecycle -------------------------------------------------------------------- */

static struct MHD_Daemon *start_daemon(locust_web *w, unsigned flags, const struct sockaddr *sa, int port)
{
    /* MHD_OPTION_SOCK_ADDR comes last, so that without an address it ends the list like MHD_OPTION_END. */
    return MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, w, MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
        MHD_OPTION_NOTIFY_CONNECTION, locust__web_conn_notify, &w->conns, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)WEB_CONNECTION_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT, (unsigned)LOCUST__WEB_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)LOCUST__WEB_PER_IP, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, w, sa ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END, sa, MHD_OPTION_END);
}

/*
 * Binds like 0.9 (all interfaces for an empty host) but on IPv6 too where
 * the machine has it, so "localhost" works whichever family a browser
 * tries first.
 */
static int listen_on(locust_web *w, const char *host, int port)
{
    const unsigned base = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    int err = 0;
    if (!host || !*host) {
        errno = 0;
        w->daemon = start_daemon(w, base | MHD_USE_DUAL_STACK, NULL, port);
        if (!w->daemon) w->daemon = start_daemon(w, base, NULL, port);
        if (!w->daemon) err = errno ? -errno : LOCUST_EIO;
        return err;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int gai = getaddrinfo(host, service, &hints, &ai);
    if (gai != 0)
        return locust__runner_error(w->runner, LOCUST_EINVAL, "web UI: cannot resolve host '%s': %s", host,
                                    gai_strerror(gai));
    err = LOCUST_EIO;
    for (struct addrinfo *p = ai; p && !w->daemon; p = p->ai_next) {
        errno = 0;
        w->daemon = start_daemon(w, base | (p->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0), p->ai_addr, port);
        if (!w->daemon) err = errno ? -errno : LOCUST_EIO;
    }
    freeaddrinfo(ai);
    return w->daemon ? 0 : err;
}

static void web_destroy(void *p)
{
    locust_web *w = p;
    if (!w) return;
    if (w->daemon) {
        ev_io_stop(w->loop, &w->io);
        ev_timer_stop(w->loop, &w->timer);
        /* Its connections' CLOSED notifications free what web_conns.c tracks. */
        MHD_stop_daemon(w->daemon);
    }
    locust__web_conns_stop(&w->conns);
    free(w->auth_user);
    free(w->auth_pass);
    free(w);
}

int locust_web_new_sized(locust_web **out, locust_runner *r, const locust_web_options *opts, size_t opts_size)
{
    if (out) *out = NULL;
    if (!out || !r) return LOCUST_EINVAL;
    locust_web_options adapted;
    int aerr;
    opts = locust__opts_adapt(opts, opts_size, &adapted, sizeof adapted, &aerr);
    if (aerr)
        return locust__runner_error(r, aerr, "web UI options: a field this liblocust does not know is set");
    locust_web_options none = {0};
    if (!opts) opts = &none;
    if (locust__runner_slot(r, LOCUST__SLOT_WEB))
        return locust__runner_error(r, LOCUST_EBUSY, "web UI: this runner already has one");
    if (opts->port < 0 || opts->port > 65535)
        return locust__runner_error(r, LOCUST_EINVAL, "web UI: port %d is not a port number (0-65535)",
                                    opts->port);
    if (opts->auth && !strchr(opts->auth, ':'))
        return locust__runner_error(r, LOCUST_EINVAL, "web UI: auth must be \"user:password\"");
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES)
        return locust__runner_error(r, LOCUST_ENOTSUP, "web UI: this libmicrohttpd has no epoll support");

    locust_web *w = calloc(1, sizeof *w);
    if (!w) return LOCUST_ENOMEM;
    w->runner = r;
    w->loop = locust__runner_loop(r);
    locust__web_conns_init(&w->conns, w->loop);
    if (opts->auth) {
        const char *colon = strchr(opts->auth, ':');
        w->auth_user = strndup(opts->auth, (size_t)(colon - opts->auth));
        w->auth_pass = locust__strdup(colon + 1);
        if (!w->auth_user || !w->auth_pass) {
            web_destroy(w);
            return LOCUST_ENOMEM;
        }
    }
    int err = listen_on(w, opts->host, opts->port);
    if (err) {
        /* listen_on() has set the detail when it could name the cause. */
        if (err != LOCUST_EINVAL)
            locust__runner_error(r, err, "web UI: cannot listen on %s port %d: %s",
                                 opts->host && *opts->host ? opts->host : "all interfaces", opts->port,
                                 locust_strerror(err));
        web_destroy(w);
        return err;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(w->daemon, MHD_DAEMON_INFO_BIND_PORT);
    w->port = info ? info->port : opts->port;
    info = MHD_get_daemon_info(w->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) {
        web_destroy(w);
        return locust__runner_error(r, LOCUST_EIO, "web UI: libmicrohttpd gave no epoll descriptor");
    }
    ev_io_init(&w->io, io_cb, info->epoll_fd, EV_READ);
    w->io.data = w;
    ev_init(&w->timer, timer_cb);
    w->timer.data = w;
    ev_io_start(w->loop, &w->io);
    web_schedule(w);
    locust__runner_set_slot(r, LOCUST__SLOT_WEB, w, web_destroy);
    /* The program says "Starting web monitor" (0.9's line); this is for debugging. */
    locust_log(LOCUST_LOG_DEBUG, "locust.web", "web UI listening on %s port %d",
               opts->host && *opts->host ? opts->host : "all interfaces", w->port);
    *out = w;
    return 0;
}

int locust_web_port(const locust_web *w)
{
    return w ? w->port : LOCUST_EINVAL;
}

void locust_web_free(locust_web *w)
{
    if (!w) return;
    /* The runner must not free it a second time. */
    if (locust__runner_slot(w->runner, LOCUST__SLOT_WEB) == w)
        locust__runner_set_slot(w->runner, LOCUST__SLOT_WEB, NULL, NULL);
    web_destroy(w);
}
