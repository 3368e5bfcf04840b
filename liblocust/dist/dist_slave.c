/*
 * A slave: runs users for a master (manual ch. 5). This file has what both
 * protocols share (sockets, stats reports, exceptions, noticing that the
 * master is gone, shutting down) and the Locust 0.9 messages (docs/compatibility.md §2.5);
 * worker2.c has the Locust 2.x ones.
 *
 * Differences from 0.9.0, all deliberate:
 *  - a final stats report goes out before client_stopped and before quit,
 *    so that no request made before the stop is lost;
 *  - a hatch whose host is nil keeps the slave's own host (the runner's or
 *    the class's) instead of discarding -H;
 *  - a slave whose master is gone notices: when a connection to the master
 *    closes and does not come back within a grace period, it logs so and
 *    shuts down (0.9.0 has no heartbeat and would wait forever).
 */
#include "dist/dist_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define LOG "locust.runners"
/* How long a 2.x reconnect waits between closing the old connection and opening the new one (s). */
#define RECONNECT_DELAY 0.5

static void node_free(void *p);

/* ---- sending ------------------------------------------------------------------- */

int locust__node_send(locust__node *n, locust__rpc_out *o)
{
    int err = locust__rpc_out_finish(o, n->id, n->style);
    if (!n->out) {
        /* Between the two connections of a reconnect: the message is dropped, as a full queue would drop it.
         */
        locust__rpc_out_free(o);
        return LOCUST_EAGAIN;
    }
    if (!err) err = locust__zsock_send(n->out, o->frame, o->len);
    if (err)
        locust__ratelog(&n->badlog, LOCUST_LOG_ERROR, LOG, "Could not send a message to the master at %s: %s",
                        n->master, locust_strerror(err));
    locust__rpc_out_free(o);
    return err;
}

int locust__node_send_simple(locust__node *n, const char *type)
{
    locust__rpc_out o;
    int err = locust__rpc_out_begin(&o, type);
    if (!err && msgpack_pack_nil(&o.pk)) err = LOCUST_ENOMEM;
    if (err) {
        locust__rpc_out_free(&o);
        return err;
    }
    return locust__node_send(n, &o);
}

/* Keys of the stats payload that report_to_master listeners may not replace. */
static bool reserved_key(const locust__node *n, const char *k)
{
    return strcmp(k, "stats") == 0 || strcmp(k, "stats_total") == 0 || strcmp(k, "errors") == 0 ||
           strcmp(k, "user_count") == 0 ||
           (n->protocol == LOCUST_PROTOCOL_2 && strcmp(k, "user_classes_count") == 0);
}

/* A listener's key is sent unless reserved or repeated later (the last one wins, as in a dict). */
static bool extra_key_sent(const locust__node *n, const cJSON *c)
{
    if (!c->string || reserved_key(n, c->string)) return false;
    for (const cJSON *d = c->next; d; d = d->next)
        if (d->string && strcmp(d->string, c->string) == 0) return false;
    return true;
}

int locust__node_send_report(locust__node *n)
{
    cJSON *extra = cJSON_CreateObject();
    if (!extra) return LOCUST_ENOMEM;
    locust_event ev = {.type = LOCUST_EV_REPORT_TO_MASTER, .client_id = n->id, .data = extra};
    locust_fire(n->r, &ev);
    size_t nextra = 0;
    for (const cJSON *c = extra->child; c; c = c->next)
        nextra += extra_key_sent(n, c);

    bool v2 = n->protocol == LOCUST_PROTOCOL_2;
    locust__rpc_out o;
    int err = locust__rpc_out_begin(&o, "stats");
    if (!err && msgpack_pack_map(&o.pk, LOCUST__STATS_REPORT_KEYS + 1 + (v2 ? 1 : 0) + nextra))
        err = LOCUST_ENOMEM;
    if (!err) err = locust__stats_pack_report(locust_runner_stats(n->r), &o.pk, n->sproto);
    if (!err && v2) {
        err = locust__mp_pack_cstr(&o.pk, "user_classes_count");
        if (!err) err = locust__w2_pack_class_counts(n, &o.pk);
    }
    if (!err) err = locust__mp_pack_cstr(&o.pk, "user_count");
    if (!err && msgpack_pack_unsigned_int(&o.pk, locust_runner_user_count(n->r))) err = LOCUST_ENOMEM;
    for (const cJSON *c = extra->child; c && !err; c = c->next) {
        if (!extra_key_sent(n, c)) continue;
        err = locust__mp_pack_cstr(&o.pk, c->string);
        if (!err) err = locust__mp_pack_json(&o.pk, c);
    }
    cJSON_Delete(extra);
    if (err) {
        locust_log(LOCUST_LOG_ERROR, LOG, "Could not build a stats report: %s", locust_strerror(err));
        locust__rpc_out_free(&o);
        return err;
    }
    return locust__node_send(n, &o);
}

/* Whether messages may go to the master now: nothing before client_ready (0.9) or the ack (2.x). */
static bool can_send(const locust__node *n)
{
    return !n->finished && !n->master_lost && (n->protocol == LOCUST_PROTOCOL_09 ? n->ready_sent : n->acked);
}

/* ---- shutting down -------------------------------------------------------------- */

static void close_sockets(locust__node *n, int linger)
{
    ev_timer_stop(n->loop, &n->report_timer);
    ev_timer_stop(n->loop, &n->lost_timer);
    ev_timer_stop(n->loop, &n->heartbeat_timer);
    ev_timer_stop(n->loop, &n->ack_timer);
    ev_timer_stop(n->loop, &n->ready_timer);
    ev_timer_stop(n->loop, &n->reconnect_timer);
    for (int i = 0; i < 2; i++) {
        locust__zsock_close(n->mon[i]);
        n->mon[i] = NULL;
    }
    locust__zsock_set_linger(n->out, linger);
    locust__zsock_set_linger(n->in, linger);
    locust__zsock_close(n->out);
    locust__zsock_close(n->in);
    n->out = n->in = NULL;
    /* Waits at most `linger` ms for the last messages to leave. */
    locust__zctx_term(n->zctx);
    n->zctx = NULL;
}

void locust__node_finish(locust__node *n)
{
    if (n->finished) return;
    if (can_send(n)) {
        /* The last report: whatever the users did while shutting down. */
        locust__node_send_report(n);
        locust__node_send_simple(n, "quit");
    }
    n->finished = true;
    close_sockets(n, n->master_lost ? 0 : 2000);
}

static void on_quitting(const locust_event *ev, void *ud)
{
    locust__node_finish(ud);
}

/* ---- noticing that the master is gone ------------------------------------------ */

static void lost_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__node *n = w->data;
    if (n->finished || n->master_lost) return;
    locust_log(LOCUST_LOG_ERROR, LOG,
               "Lost the connection to the master at %s (not back within %g s): the master is gone, shutting "
               "down",
               n->master, locust__dist_timing_cfg.master_lost_grace);
    n->master_lost = true;
    n->end_status = LOCUST_EIO;
    locust_runner_quit(n->r);
}

/* 0.9: client_ready, then a report at once and every interval. */
static void send_ready_09(locust__node *n)
{
    n->ready_sent = true;
    locust__node_send_simple(n, "client_ready");
    ev_timer_set(&n->report_timer, 0., locust__dist_timing_cfg.report_interval);
    ev_timer_start(n->loop, &n->report_timer);
}

static void monitor_event(locust__node *n, int i, unsigned event)
{
    unsigned bit = 1u << i, all = n->in ? 3u : 1u;
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        /*
         * 0.9 sends client_ready once both connections are up: the master
         * answers on the other one, and a hatch sent before it is there
         * would go to another slave (PUSH hands messages round-robin).
         */
        n->handshaked |= bit;
        if (n->protocol == LOCUST_PROTOCOL_09 && !n->ready_sent && (n->handshaked & all) == all &&
            !n->finished)
            send_ready_09(n);
        /* A master that was restarted knows nothing of this slave: say
         * client_ready again once both connections are back (a master that
         * only saw a blip resets the node to ready, as 0.9.0 does). */
        if (n->protocol == LOCUST_PROTOCOL_09 && n->rejoin && (n->handshaked & all) == all && !n->finished) {
            n->rejoin = false;
            locust__node_send_simple(n, "client_ready");
            locust_log(LOCUST_LOG_INFO, LOG, "Rejoined the master at %s", n->master);
        }
    } else if (event == ZMQ_EVENT_CONNECTED) {
        n->connected |= bit;
        n->ever_connected |= bit;
        if ((n->connected & all) == all && ev_is_active(&n->lost_timer)) {
            ev_timer_stop(n->loop, &n->lost_timer);
            locust_log(LOCUST_LOG_INFO, LOG, "Reconnected to the master at %s", n->master);
        }
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        n->connected &= ~bit;
        if (n->protocol == LOCUST_PROTOCOL_09 && n->ready_sent) {
            n->handshaked &= ~bit;
            n->rejoin = true;
        }
        if ((n->ever_connected & bit) && !ev_is_active(&n->lost_timer) && !n->finished) {
            locust_log(LOCUST_LOG_WARNING, LOG,
                       "The connection to the master at %s closed; waiting %g s for it", n->master,
                       locust__dist_timing_cfg.master_lost_grace);
            ev_timer_set(&n->lost_timer, locust__dist_timing_cfg.master_lost_grace, 0.);
            ev_timer_start(n->loop, &n->lost_timer);
        }
    }
}

static void mon0_cb(void *ud, unsigned event, int value, const char *endpoint)
{
    monitor_event(ud, 0, event);
}

static void mon1_cb(void *ud, unsigned event, int value, const char *endpoint)
{
    monitor_event(ud, 1, event);
}

/* ---- runner events ---------------------------------------------------------------- */

static void on_hatch_complete(const locust_event *ev, void *ud)
{
    locust__node *n = ud;
    if (!can_send(n)) return;
    if (n->protocol == LOCUST_PROTOCOL_2) {
        locust__w2_on_hatch_complete(n);
        return;
    }
    locust__rpc_out o;
    int err = locust__rpc_out_begin(&o, "hatch_complete");
    if (!err && (msgpack_pack_map(&o.pk, 1) || locust__mp_pack_cstr(&o.pk, "count") ||
                 msgpack_pack_unsigned_int(&o.pk, ev->user_count)))
        err = LOCUST_ENOMEM;
    if (err)
        locust__rpc_out_free(&o);
    else
        locust__node_send(n, &o);
}

static void on_error(const locust_event *ev, void *ud)
{
    locust__node *n = ud;
    if (!can_send(n)) return;
    locust__rpc_out o;
    int err = locust__rpc_out_begin(&o, "exception");
    if (!err && msgpack_pack_map(&o.pk, 2)) err = LOCUST_ENOMEM;
    if (!err) err = locust__mp_pack_cstr(&o.pk, "msg");
    if (!err) err = locust__mp_pack_cstr(&o.pk, ev->message ? ev->message : "");
    if (!err) err = locust__mp_pack_cstr(&o.pk, "traceback");
    if (!err) err = locust__mp_pack_cstr(&o.pk, ev->traceback ? ev->traceback : "");
    if (err)
        locust__rpc_out_free(&o);
    else
        locust__node_send(n, &o);
}

/* The users are stopped: report, then tell the master. */
static void finish_stop(locust__node *n)
{
    n->stop_pending = false;
    if (!can_send(n)) return;
    locust__node_send_report(n);
    if (n->protocol == LOCUST_PROTOCOL_2) {
        locust__w2_on_stopped(n);
        return;
    }
    locust__node_send_simple(n, "client_stopped");
    locust__node_send_simple(n, "client_ready");
}

static void on_stop_hatching(const locust_event *ev, void *ud)
{
    locust__node *n = ud;
    if (n->stop_pending) finish_stop(n);
}

/* Handles the master's `stop` (both protocols). */
void locust__node_do_stop(locust__node *n)
{
    n->stop_pending = true;
    locust_runner_stop(n->r);
    /* With no user left to end, the stop is already complete. */
    if (n->stop_pending && locust_runner_state_get(n->r) != LOCUST_STATE_CLEANUP) finish_stop(n);
}

/* Handles the master's `quit` (both protocols). */
void locust__node_do_quit(locust__node *n)
{
    /* Masters send quit more than once (0.9.0 two or three times). */
    if (n->quit_by_master) return;
    locust_log(LOCUST_LOG_INFO, LOG, "Got quit message from master, shutting down...");
    n->quit_by_master = true;
    /* Report at once: a 2.x master listens only 0.5 s after its quit. */
    if (can_send(n)) locust__node_send_report(n);
    locust_runner_quit(n->r);
}

/* ---- the 0.9 messages ---------------------------------------------------------- */

/* Starts a hatch: by the master's class counts when it sent them (a class has a fixed count), else by weight.
 */
static int start_hatch(locust__node *n, const msgpack_object *data, unsigned count, double rate)
{
    const msgpack_object *ucc = locust__mp_get(data, "user_classes_count");
    if (!ucc || ucc->type == MSGPACK_OBJECT_NIL) return locust_runner_start(n->r, count, rate);
    size_t nc = locust_runner_class_count(n->r);
    unsigned *counts = calloc(nc ? nc : 1, sizeof *counts);
    if (!counts) return LOCUST_ENOMEM;
    int err = locust__unpack_class_counts(n->r, ucc, counts);
    if (err)
        locust__ratelog(
            &n->badlog, LOCUST_LOG_WARNING, LOG,
            "A hatch message's user_classes_count is not a map of class counts: splitting by weight");
    err = err ? locust_runner_start(n->r, count, rate) : locust_runner_start_counts(n->r, counts, rate);
    free(counts);
    return err;
}

static void on_hatch(locust__node *n, const msgpack_object *data)
{
    int64_t count;
    double rate;
    const msgpack_object *host = locust__mp_get(data, "host");
    if (data->type != MSGPACK_OBJECT_MAP) {
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring a hatch message: data is %s, not a map", locust__mp_type_name(data));
        return;
    }
    if (!locust__mp_int(locust__mp_get(data, "num_clients"), 0, UINT32_MAX / 2, &count)) {
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring a hatch message: num_clients is not a user count (got %s)",
                        locust__mp_type_name(locust__mp_get(data, "num_clients")));
        return;
    }
    if (!locust__mp_num(locust__mp_get(data, "hatch_rate"), &rate) || !(rate > 0)) {
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring a hatch message: hatch_rate must be a number > 0");
        return;
    }
    char *h = NULL;
    if (host && host->type != MSGPACK_OBJECT_NIL && !(h = locust__mp_strdup(host, 4096))) {
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring a hatch message: host is not a string");
        return;
    }
    /* The open model: a liblocust master sends this slave's share of the task-run rate. */
    double share;
    const msgpack_object *open_rate = locust__mp_get(data, "liblocust_rate");
    if (open_rate && (!locust__mp_num(open_rate, &share) || locust_runner_set_rate(n->r, share) != 0)) {
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring a hatch message: liblocust_rate must be a number in (0, 1e7]");
        free(h);
        return;
    }
    /* A master without the key runs the closed model. */
    if (!open_rate && locust_runner_rate(n->r) > 0 && locust_runner_set_rate(n->r, 0) != 0)
        locust_log(LOCUST_LOG_WARNING, LOG, "Staying in the open model: %s", locust_runner_last_error(n->r));
    locust__node_send_simple(n, "hatching");
    /* A nil host keeps our own (differs from 0.9.0, which discarded -H). */
    if (h) locust_runner_set_host(n->r, h);
    free(h);
    /* The master's tags (a filter the slave cannot apply runs no user rather than excluded tasks). */
    int err = locust__node_apply_tags(n, data) ? locust_runner_start(n->r, 0, rate)
                                               : start_hatch(n, data, (unsigned)count, rate);
    if (err)
        locust_log(LOCUST_LOG_ERROR, LOG, "Could not hatch %lld users: %s", (long long)count,
                   locust_runner_last_error(n->r)[0] ? locust_runner_last_error(n->r) : locust_strerror(err));
}

static void on_message_09(locust__node *n, const locust__rpc_msg *m)
{
    if (strcmp(m->type, "hatch") == 0)
        on_hatch(n, m->data);
    else if (strcmp(m->type, "stop") == 0)
        locust__node_do_stop(n);
    else if (strcmp(m->type, "quit") == 0)
        locust__node_do_quit(n);
    else if (!locust__message_dispatch(n->r, m, m->node_id))
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring a message of unknown type '%s' from the master", m->type);
}

static void recv_cb(locust__zsock *s, const locust__zframe *parts, size_t nparts, int srcfd, void *ud)
{
    locust__node *n = ud;
    if (n->finished) return;
    locust__rpc_msg m;
    char err[256];
    if (locust__rpc_decode(parts[0].data, parts[0].len, &m, err, sizeof err) != 0) {
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring a malformed message from the master: %s", err);
        return;
    }
    if (locust_runner_quit_done(n->r)) {
        locust__rpc_msg_free(&m);
        return;
    }
    if (n->protocol == LOCUST_PROTOCOL_2)
        locust__w2_on_message(n, &m);
    else
        on_message_09(n, &m);
    locust__rpc_msg_free(&m);
}

static void report_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__node *n = w->data;
    if (can_send(n)) locust__node_send_report(n);
}

/* ---- attaching -------------------------------------------------------------------- */

static int open_socket(locust__node *n, int idx, int type, int port, locust_runner *r)
{
    locust__zsock **sp = idx == 0 ? &n->out : &n->in;
    bool want_recv = type != ZMQ_PUSH;
    int err = locust__zsock_new(sp, n->loop, n->zctx, type, want_recv ? recv_cb : NULL, n);
    if (err) return locust__runner_error(r, err, "cannot create a ZeroMQ socket: %s", zmq_strerror(-err));
    void *raw = locust__zsock_raw(*sp);
    int one = 1, idle = 30, linger = 2000;
    int64_t maxmsg = LOCUST__RPC_MAX_FRAME;
    zmq_setsockopt(raw, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(raw, ZMQ_TCP_KEEPALIVE, &one, sizeof one);
    zmq_setsockopt(raw, ZMQ_TCP_KEEPALIVE_IDLE, &idle, sizeof idle);
    if (want_recv) zmq_setsockopt(raw, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (n->ipv6) zmq_setsockopt(raw, ZMQ_IPV6, &one, sizeof one);
    if (type == ZMQ_DEALER) zmq_setsockopt(raw, ZMQ_ROUTING_ID, n->id, strlen(n->id));
    err = locust__zsock_monitor(*sp, n->zctx,
                                ZMQ_EVENT_CONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED,
                                idx ? mon1_cb : mon0_cb, n, &n->mon[idx]);
    if (err) return locust__runner_error(r, err, "cannot monitor a ZeroMQ socket: %s", zmq_strerror(-err));
    if (zmq_connect(raw, n->endpoint[idx]) != 0)
        return locust__runner_error(r, LOCUST_EINVAL, "cannot connect to %s: %s", n->endpoint[idx],
                                    zmq_strerror(errno));
    (void)port;
    locust__zsock_start(*sp);
    return 0;
}

static void reconnect_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__node *n = w->data;
    if (n->finished || n->out) return;
    if (open_socket(n, 0, ZMQ_DEALER, 0, n->r) != 0)
        locust_log(LOCUST_LOG_ERROR, LOG, "Could not reconnect to the master at %s: %s", n->master,
                   locust_runner_last_error(n->r));
}

/*
 * 2.x's reconnect: a new DEALER with the same identity. It connects a moment
 * after the old one is closed: a ROUTER that still has the old connection
 * would take the new one for a duplicate identity and never route to it.
 */
int locust__node_reopen(locust__node *n)
{
    locust__zsock_close(n->mon[0]);
    n->mon[0] = NULL;
    locust__zsock_set_linger(n->out, 0);
    locust__zsock_close(n->out);
    n->out = NULL;
    n->connected = 0;
    ev_timer_stop(n->loop, &n->lost_timer);
    ev_timer_init(&n->reconnect_timer, reconnect_cb, RECONNECT_DELAY, 0.);
    n->reconnect_timer.data = n;
    ev_timer_start(n->loop, &n->reconnect_timer);
    return 0;
}

int locust_slave_attach_sized(locust_runner *r, const locust_slave_options *opts, size_t opts_size)
{
    if (!r) return LOCUST_EINVAL;
    locust_slave_options adapted;
    int aerr;
    opts = locust__opts_adapt(opts, opts_size, &adapted, sizeof adapted, &aerr);
    if (aerr)
        return locust__runner_error(r, aerr, "slave options: a field this liblocust does not know is set");
    if (locust__runner_slot(r, LOCUST__SLOT_DIST))
        return locust__runner_error(r, LOCUST_EBUSY, "the runner is already a master or a slave");
    locust_slave_options o = {0};
    if (opts) o = *opts;
    if (!o.master_host) o.master_host = "127.0.0.1";
    if (!o.master_port) o.master_port = 5557;
    if (!o.protocol) o.protocol = LOCUST_PROTOCOL_09;
    if (o.protocol != LOCUST_PROTOCOL_09 && o.protocol != LOCUST_PROTOCOL_2)
        return locust__runner_error(r, LOCUST_EINVAL,
                                    "protocol: %d is neither LOCUST_PROTOCOL_09 nor LOCUST_PROTOCOL_2",
                                    (int)o.protocol);
    int maxport = o.protocol == LOCUST_PROTOCOL_09 ? 65534 : 65535;
    if (o.master_port < 1 || o.master_port > maxport)
        return locust__runner_error(r, LOCUST_EINVAL, "master_port: %d is not a port in 1..%d", o.master_port,
                                    maxport);
    if (locust_runner_class_count(r) == 0)
        return locust__runner_error(r, LOCUST_ECLASS, "a slave needs locust classes: none were added");

    locust__node *n = calloc(1, sizeof *n);
    if (!n) return LOCUST_ENOMEM;
    n->kind = LOCUST__DIST_SLAVE;
    n->protocol = o.protocol;
    n->r = r;
    n->loop = locust__runner_loop(r);
    n->style = o.protocol == LOCUST_PROTOCOL_2 ? LOCUST__RPC_STYLE_2X : LOCUST__RPC_STYLE_09;
    n->sproto = o.protocol == LOCUST_PROTOCOL_2 ? LOCUST__STATS_PROTO_2X : LOCUST__STATS_PROTO_09;
    n->index = -1;
    locust__dist_node_id(n->id, sizeof n->id);
    int err =
        locust__zendpoint(n->endpoint[0], sizeof n->endpoint[0], o.master_host, o.master_port, &n->ipv6);
    if (!err && o.protocol == LOCUST_PROTOCOL_09)
        err =
            locust__zendpoint(n->endpoint[1], sizeof n->endpoint[1], o.master_host, o.master_port + 1, NULL);
    if (err) {
        free(n);
        return locust__runner_error(r, LOCUST_EINVAL, "master_host: '%s' is not a host name or address",
                                    o.master_host);
    }
    snprintf(n->master, sizeof n->master, "%s:%d", o.master_host, o.master_port);
    ev_timer_init(&n->report_timer, report_cb, 0., 0.);
    n->report_timer.data = n;
    ev_timer_init(&n->lost_timer, lost_cb, 0., 0.);
    n->lost_timer.data = n;
    if (!(n->zctx = locust__zctx_new())) {
        free(n);
        return locust__runner_error(r, LOCUST_ENOMEM, "cannot create a ZeroMQ context: %s",
                                    zmq_strerror(errno));
    }
    locust__runner_set_slot(r, LOCUST__SLOT_DIST, n, node_free);
    if (o.protocol == LOCUST_PROTOCOL_09) {
        err = open_socket(n, 0, ZMQ_PUSH, o.master_port, r);
        if (!err) err = open_socket(n, 1, ZMQ_PULL, o.master_port + 1, r);
    } else {
        err = open_socket(n, 0, ZMQ_DEALER, o.master_port, r);
    }
    if (!err && (locust_on(r, LOCUST_EV_HATCH_COMPLETE, on_hatch_complete, n) ||
                 locust_on(r, LOCUST_EV_LOCUST_ERROR, on_error, n) ||
                 locust_on(r, LOCUST_EV_LOCUST_STOP_HATCHING, on_stop_hatching, n) ||
                 locust_on(r, LOCUST_EV_QUITTING, on_quitting, n)))
        err = locust__runner_error(r, LOCUST_ENOMEM, "cannot add the slave's event listeners");
    if (err) {
        locust__runner_set_slot(r, LOCUST__SLOT_DIST, NULL, NULL);
        node_free(n);
        return err;
    }
    locust_log(LOCUST_LOG_INFO, LOG, "Connecting to the master at %s as %s (Locust %s protocol)", n->master,
               n->id, o.protocol == LOCUST_PROTOCOL_2 ? "2.x" : "0.9");
    if (o.protocol == LOCUST_PROTOCOL_2) return locust__w2_start(n);
    /* 0.9: client_ready goes out once both connections are up (monitor_event). */
    return 0;
}

static void node_free(void *p)
{
    locust__node *n = p;
    if (!n) return;
    locust_off(n->r, LOCUST_EV_HATCH_COMPLETE, on_hatch_complete, n);
    locust_off(n->r, LOCUST_EV_LOCUST_ERROR, on_error, n);
    locust_off(n->r, LOCUST_EV_LOCUST_STOP_HATCHING, on_stop_hatching, n);
    locust_off(n->r, LOCUST_EV_QUITTING, on_quitting, n);
    if (!n->finished) close_sockets(n, 0);
    locust__w2_free(n);
    locust__node_free_tags(n);
    free(n);
}

static locust__node *node_of(const locust_runner *r)
{
    locust__node *n = r ? locust__runner_slot(r, LOCUST__SLOT_DIST) : NULL;
    return n && n->kind == LOCUST__DIST_SLAVE ? n : NULL;
}

bool locust_runner_is_slave(const locust_runner *r)
{
    return node_of(r) != NULL;
}

int locust_slave_status(const locust_runner *r)
{
    locust__node *n = node_of(r);
    return n ? n->end_status : LOCUST_EINVAL;
}

const char *locust_slave_id(const locust_runner *r)
{
    locust__node *n = node_of(r);
    return n ? n->id : NULL;
}
