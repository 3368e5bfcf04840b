/*
 * The web UI's connections against slow and greedy clients (Slowloris).
 *
 * libmicrohttpd's own limits do part of it: at most LOCUST__WEB_PER_IP
 * connections per client address (more are accepted and closed at once)
 * and LOCUST__WEB_CONNECTIONS in all, and an idle timeout. But its timeout
 * counts from the last byte received, so a client that sends a header line
 * every few seconds keeps its slot for ever, and enough of them hold every
 * slot while new clients wait in the listen backlog. So each connection is
 * tracked here from the moment it waits for a request head (its start, or
 * the end of its last request) until that head is complete; one that has
 * not sent a whole head within LOCUST__WEB_HEAD_TIMEOUT is cut, whatever it
 * trickles. A request being handled or a response being written is not
 * timed here.
 *
 * Refused and cut connections are logged as one warning with the counts,
 * at most once a minute, so that an attack cannot flood the log either.
 */
#include "web/web_internal.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <sys/socket.h>

/* How often the connections are checked against the head deadline (seconds). */
#define SWEEP_INTERVAL 1.0
/* Seconds between two warnings about refused or cut connections. */
#define WARN_INTERVAL 60.0

struct locust__web_conn {
    locust__web_conn *prev, *next;
    struct MHD_Connection *conn;
    double head_since; /* when it began to wait for a request head; 0 once the head is in */
};

/* Logs the counts now if the last warning is old enough; else they wait for a later event. */
static void warn(locust__web_conns *c)
{
    double now = ev_now(c->loop);
    if (c->warned && now - c->warned_at < WARN_INTERVAL) return;
    if (!c->refused && !c->cut) return;
    locust_log(LOCUST_LOG_WARNING, "locust.web",
               "web UI: refused %llu connections (at most %d per client address, %d in all) and cut %llu "
               "that sent no complete request head within %d s: a client is holding connections open "
               "(logged at most once a minute)",
               c->refused, LOCUST__WEB_PER_IP, LOCUST__WEB_CONNECTIONS, c->cut, LOCUST__WEB_HEAD_TIMEOUT);
    c->warned = true;
    c->warned_at = now;
    c->refused = c->cut = 0;
}

void locust__web_conns_refused(locust__web_conns *c)
{
    c->refused++;
    warn(c);
}

/*
 * Cuts the connections whose head is late. shutdown() rather than close():
 * the descriptor stays libmicrohttpd's, which sees the end of the stream
 * on its next read and closes the connection itself.
 */
static void sweep_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    locust__web_conns *c = t->data;
    double now = ev_now(c->loop);
    bool cut = false;
    for (locust__web_conn *wc = c->head; wc; wc = wc->next) {
        if (wc->head_since == 0 || now - wc->head_since < LOCUST__WEB_HEAD_TIMEOUT) continue;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(wc->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        wc->head_since = 0;
        if (!ci) continue;
        shutdown(ci->connect_fd, SHUT_RDWR);
        c->cut++;
        cut = true;
    }
    if (cut) warn(c);
    if (!c->head) ev_timer_stop(c->loop, &c->sweep);
}

void locust__web_conns_init(locust__web_conns *c, struct ev_loop *loop)
{
    *c = (locust__web_conns){.loop = loop};
    ev_init(&c->sweep, sweep_cb);
    c->sweep.repeat = SWEEP_INTERVAL;
    c->sweep.data = c;
}

void locust__web_conns_stop(locust__web_conns *c)
{
    ev_timer_stop(c->loop, &c->sweep);
}

void locust__web_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe)
{
    locust__web_conns *c = cls;
    locust__web_conn *wc = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        /* Out of memory, the connection is only left to libmicrohttpd's idle timeout. */
        wc = calloc(1, sizeof *wc);
        if (!wc) return;
        wc->conn = conn;
        wc->head_since = ev_now(c->loop);
        wc->next = c->head;
        if (c->head) c->head->prev = wc;
        c->head = wc;
        *socket_context = wc;
        if (!ev_is_active(&c->sweep)) ev_timer_again(c->loop, &c->sweep);
        return;
    }
    if (!wc) return;
    if (wc->prev)
        wc->prev->next = wc->next;
    else
        c->head = wc->next;
    if (wc->next) wc->next->prev = wc->prev;
    free(wc);
    *socket_context = NULL;
}

static locust__web_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void locust__web_conn_head_done(struct MHD_Connection *conn)
{
    locust__web_conn *wc = conn_of(conn);
    if (wc) wc->head_since = 0;
}

void locust__web_conn_request_done(locust__web_conns *c, struct MHD_Connection *conn)
{
    locust__web_conn *wc = conn_of(conn);
    if (!wc) return;
    wc->head_since = ev_now(c->loop);
    if (!ev_is_active(&c->sweep)) ev_timer_again(c->loop, &c->sweep);
}
