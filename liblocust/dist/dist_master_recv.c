/*
 * The Locust 0.9 master's side of incoming traffic (see master.c for the
 * overview): messages on the PULL socket, read in batches while they come
 * in a steady stream, with 0.9.0's handling of each type but no message
 * able to stop the master, and the liveness of slaves, which 0.9 has no
 * heartbeat for: a slave is missing when its connection closes (socket
 * monitor, matched by the connection its messages came on) or when it has
 * been silent for slave_silent_limit.
 */
#include "dist/dist_master.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define LOG "locust.runners"

typedef locust__master master;
typedef locust__mslave mslave;

/* ---- liveness ------------------------------------------------------------------------- */

void locust__master_liveness_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    master *m = w->data;
    double now = locust__mono(), limit = locust__dist_timing_cfg.slave_silent_limit;
    bool due = false;
    for (size_t i = 0; i < m->n && !due; i++) {
        const mslave *s = &m->slaves[i];
        due = s->state != S_MISSING &&
              ((s->closed_at && now - s->closed_at >= DISCONNECT_GRACE) || now - s->last_seen > limit);
    }
    if (!due) return;
    /* A message may wait up to RECV_HOLDOFF in the PULL socket: judge after reading what came. */
    locust__master_recv_drain(m);
    if (m->finished) return;
    now = locust__mono();
    for (size_t i = 0; i < m->n; i++) {
        mslave *s = &m->slaves[i];
        if (s->state == S_MISSING) continue;
        if (s->closed_at && now - s->closed_at >= DISCONNECT_GRACE) {
            s->closed_at = 0;
            locust__master_mark_missing(m, s, "its connection to the master closed");
        } else if (now - s->last_seen > limit) {
            char why[64];
            snprintf(why, sizeof why, "no message for %.0f s", now - s->last_seen);
            locust__master_mark_missing(m, s, why);
        }
        if (m->finished) return;
    }
}

void locust__master_pull_monitor(void *ud, unsigned event, int fd, const char *endpoint)
{
    master *m = ud;
    if (event != ZMQ_EVENT_DISCONNECTED) return;
    for (size_t i = 0; i < m->n; i++) {
        mslave *s = &m->slaves[i];
        if (s->fd == fd && s->state != S_MISSING) {
            s->closed_at = locust__mono();
            s->closed_fd = fd;
            s->fd = -1;
        }
    }
}

void locust__master_push_monitor(void *ud, unsigned event, int fd, const char *endpoint)
{
    master *m = ud;
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        if (m->n_pipes < MAX_PIPES) m->pipes[m->n_pipes++] = fd;
        if (m->pending_sent < m->n_pending) locust__master_send_pending_hatches(m);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        for (size_t i = 0; i < m->n_pipes; i++) {
            if (m->pipes[i] == fd) {
                m->pipes[i] = m->pipes[--m->n_pipes];
                break;
            }
        }
    }
}

/* ---- incoming messages ------------------------------------------------------------------ */

static void on_client_ready(master *m, const char *id, int fd)
{
    mslave *s = locust__master_find(m, id);
    if (!s) {
        if (m->n >= MAX_SLAVES) {
            locust__ratelog(&m->unknownlog, LOCUST_LOG_WARNING, LOG,
                            "Ignoring client_ready from %s: already %d slaves", id, MAX_SLAVES);
            return;
        }
        if (m->n == m->cap) {
            size_t cap = m->cap ? m->cap * 2 : 16;
            mslave *v = realloc(m->slaves, cap * sizeof *v);
            if (!v) return;
            m->slaves = v;
            m->cap = cap;
        }
        char *copy = locust__strdup(id);
        if (!copy) return;
        s = &m->slaves[m->n++];
        *s = (mslave){.id = copy};
    }
    /* Insert or overwrite, keeping the table position (a Python dict does the same). */
    s->state = S_READY;
    s->user_count = 0;
    s->awaiting_hatch = false;
    s->last_seen = locust__mono();
    s->fd = fd;
    s->closed_at = 0;
    locust_log(LOCUST_LOG_INFO, LOG, "Client '%s' reported as ready. Currently %zu clients ready to swarm.",
               id, locust__master_count(m, S_READY));
    /* During a test a new slave takes its share, as a slave that says client_ready again does. */
    locust__master_resplit(m, "A slave joined");
    locust__master_try_autostart(m, false);
}

static void on_stats(master *m, mslave *s, const char *id, const msgpack_object *data)
{
    char err[256];
    int rc =
        locust__stats_merge_payload(locust_runner_stats(m->r), data, LOCUST__STATS_PROTO_09, err, sizeof err);
    if (rc) {
        locust__ratelog(&m->badlog, LOCUST_LOG_WARNING, LOG, "Ignoring a stats report from %s: %s", id,
                        err[0] ? err : locust_strerror(rc));
        return;
    }
    /* slave_report listeners see the keys that are not stats (converted only when someone listens). */
    if (data->type == MSGPACK_OBJECT_MAP &&
        locust__hooks_any(locust__runner_hooks(m->r), LOCUST_EV_SLAVE_REPORT)) {
        cJSON *extra = cJSON_CreateObject();
        for (uint32_t i = 0; extra && i < data->via.map.size; i++) {
            const msgpack_object *k = &data->via.map.ptr[i].key;
            char *key = locust__mp_strdup(k, 1024);
            if (key && strcmp(key, "stats") && strcmp(key, "stats_total") && strcmp(key, "errors") &&
                strcmp(key, "user_count")) {
                cJSON *v = locust__mp_to_json(&data->via.map.ptr[i].val);
                if (v) {
                    cJSON_DeleteItemFromObjectCaseSensitive(extra, key);
                    cJSON_AddItemToObject(extra, key, v);
                }
            }
            free(key);
        }
        locust_event ev = {.type = LOCUST_EV_SLAVE_REPORT, .client_id = id, .data = extra};
        locust_fire(m->r, &ev);
        cJSON_Delete(extra);
    }
    if (!s) {
        locust__ratelog(&m->unknownlog, LOCUST_LOG_INFO, LOG, "Discarded report from unrecognized slave %s",
                        id);
        return;
    }
    int64_t n;
    if (locust__mp_int(locust__mp_get(data, "user_count"), 0, UINT32_MAX, &n))
        s->user_count = (unsigned)n;
    else
        locust__ratelog(&m->badlog, LOCUST_LOG_WARNING, LOG, "The stats report of %s has no valid user_count",
                        id);
}

static void on_exception(master *m, const char *id, const msgpack_object *data)
{
    char *msg = locust__mp_strdup(locust__mp_get(data, "msg"), 64 * 1024);
    char *tb = locust__mp_strdup(locust__mp_get(data, "traceback"), 256 * 1024);
    if (msg && tb)
        locust_runner_log_exception(m->r, id, msg, tb);
    else
        locust__ratelog(&m->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring an exception report from %s: it needs string fields msg and traceback", id);
    free(msg);
    free(tb);
}

static void unknown_slave(master *m, const char *type, const char *id)
{
    locust__ratelog(&m->unknownlog, LOCUST_LOG_WARNING, LOG, "Ignoring '%s' from unknown slave %s", type, id);
}

static void dispatch(master *m, const locust__rpc_msg *msg, int fd)
{
    const char *type = msg->type, *id = msg->node_id;
    mslave *s = locust__master_find(m, id);
    if (s) {
        s->last_seen = locust__mono();
        /* A message on a new connection proves the slave alive; one on the closed one may be old. */
        if (fd >= 0) {
            if (s->closed_at && fd != s->closed_fd) s->closed_at = 0;
            if (!s->closed_at) s->fd = fd;
        }
        if (s->state == S_MISSING && strcmp(type, "client_ready") && strcmp(type, "quit") &&
            strcmp(type, "client_stopped")) {
            s->state = s->before_missing;
            locust_log(LOCUST_LOG_INFO, LOG, "Slave %s is back (it sent '%s'): state %s", id, type,
                       locust__master_state_name(s->state));
            /* Its users may still run: the shares are made again, its own included. */
            locust__master_resplit(m, "A slave is back");
        }
    }
    if (strcmp(type, "client_ready") == 0) {
        on_client_ready(m, id, fd);
    } else if (strcmp(type, "stats") == 0) {
        on_stats(m, s, id, msg->data);
    } else if (strcmp(type, "hatching") == 0) {
        if (!s) {
            unknown_slave(m, type, id);
            return;
        }
        s->state = S_HATCHING;
    } else if (strcmp(type, "hatch_complete") == 0) {
        if (!s) {
            unknown_slave(m, type, id);
            return;
        }
        int64_t count;
        if (!locust__mp_int(locust__mp_get(msg->data, "count"), 0, UINT32_MAX, &count)) {
            locust__ratelog(&m->badlog, LOCUST_LOG_WARNING, LOG,
                            "Ignoring hatch_complete from %s: no valid count", id);
            return;
        }
        s->user_count = (unsigned)count;
        s->state = S_RUNNING;
        s->awaiting_hatch = false;
        locust__master_check_hatch_complete(m);
    } else if (strcmp(type, "client_stopped") == 0) {
        if (!s) {
            unknown_slave(m, type, id);
            return;
        }
        locust_log(LOCUST_LOG_INFO, LOG, "Removing %s client from running clients", id);
        locust__master_remove(m, s);
        locust__master_resplit(m, "A slave stopped");
        locust__master_check_stopped(m);
    } else if (strcmp(type, "quit") == 0) {
        if (!s) return;
        locust__master_remove(m, s);
        locust_log(LOCUST_LOG_INFO, LOG, "Client '%s' quit. Currently %zu clients connected.", id,
                   locust__master_present(m));
        locust__master_resplit(m, "A slave quit");
        locust__master_check_hatch_complete(m);
        locust__master_check_stopped(m);
        if (m->quitting && locust__master_present(m) == 0) locust__master_finish_quit(m);
    } else if (strcmp(type, "exception") == 0) {
        on_exception(m, id, msg->data);
    } else if (!locust__message_dispatch(m->r, msg, id)) {
        locust__ratelog(&m->unknownlog, LOCUST_LOG_DEBUG, LOG,
                        "Ignoring a message of unknown type '%s' from %s", type, id);
    }
}

/* One message: its first frame (0.9 messages have one; further parts are dropped). */
static void handle_frame(master *m, const void *data, size_t len, int srcfd)
{
    locust__rpc_msg msg;
    char err[256];
    if (locust__rpc_decode(data, len, &msg, err, sizeof err) != 0) {
        locust__ratelog(&m->badlog, LOCUST_LOG_WARNING, LOG, "Ignoring a malformed message: %s", err);
        return;
    }
    if (!msg.has_node_id) {
        locust__ratelog(&m->badlog, LOCUST_LOG_WARNING, LOG, "Ignoring a '%s' message without a node id",
                        msg.type);
    } else {
        dispatch(m, &msg, srcfd);
    }
    locust__rpc_msg_free(&msg);
}

/* ---- reading the PULL socket ------------------------------------------------------------- */
/*
 * The master reads its PULL socket here, in batches, rather than through
 * rpc_zmq.c's reader, which runs on every wake-up of ZMQ_FD: with 100
 * slaves reporting once a second, waking the loop for each report (the I/O
 * thread's eventfd write, libev's epoll_wait, a poll() per ZMQ_EVENTS)
 * took 13 system calls a report where the I/O thread's own 2 remain, and
 * the master spent nearly as much system time as it spent user time.
 * Here a quiet socket still has its ZMQ_FD watched, so an isolated message
 * is read at once; but a pass that read something leaves the fd alone and
 * schedules the next pass RECV_HOLDOFF later, which takes everything that
 * arrived meanwhile, and only a pass that finds nothing watches the fd
 * again. A steady stream thus costs at most 1 / RECV_HOLDOFF wake-ups a
 * second, whatever the number of slaves, and delays a message by at most
 * RECV_HOLDOFF. (Between two passes the I/O thread signals ZMQ_FD at most
 * once: it writes the fd only when the socket's command mailbox was found
 * empty.)
 *
 * ZMQ_FD is edge triggered (rpc_zmq.h): a pass reads until zmq_msg_recv
 * says EAGAIN, which it says only after taking in the socket's pending
 * commands (and with them the fd's signal), as ZMQ_EVENTS does, so a
 * message arriving later signals the fd anew. One ZMQ_EVENTS per message,
 * as rpc_zmq.c does, would cost a poll() each.
 *
 * The decisions that need every message that has arrived (a silent or
 * disconnected slave, the end of the quit wait) drain the socket first.
 */

/* Reads up to RECV_BUDGET messages; returns how many, and whether more may be waiting. */
static size_t read_batch(master *m, bool *more)
{
    void *raw = locust__zsock_raw(m->pull);
    size_t handled = 0;
    *more = false;
    m->pull_reading = true;
    while (!m->finished) {
        if (handled == RECV_BUDGET) {
            *more = true;
            break;
        }
        zmq_msg_t first;
        zmq_msg_init(&first);
        if (zmq_msg_recv(&first, raw, ZMQ_DONTWAIT) < 0) {
            /* EAGAIN: all read, and the fd armed again. Other errors end the pass too. */
            zmq_msg_close(&first);
            break;
        }
        int srcfd = zmq_msg_get(&first, ZMQ_SRCFD);
        /* The parts of a message arrive together: drop the rest before handling it. */
        bool parts = zmq_msg_more(&first);
        while (parts) {
            zmq_msg_t rest;
            zmq_msg_init(&rest);
            parts = zmq_msg_recv(&rest, raw, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&rest);
            zmq_msg_close(&rest);
        }
        handle_frame(m, zmq_msg_data(&first), zmq_msg_size(&first), srcfd);
        zmq_msg_close(&first);
        handled++;
    }
    m->pull_reading = false;
    return handled;
}

/* A pass, then what wakes the next: the fd when the socket was empty, else the timer. */
static void pass(master *m)
{
    if (m->pull_reading || m->finished) return;
    bool more;
    size_t handled = read_batch(m, &more);
    if (m->finished) {
        locust__master_recv_stop(m);
    } else if (more) {
        /* Over budget: the rest on the next loop iteration. */
        ev_io_stop(m->loop, &m->pull_io);
        ev_timer_stop(m->loop, &m->pull_timer);
        ev_timer_set(&m->pull_timer, 0., 0.);
        ev_timer_start(m->loop, &m->pull_timer);
    } else if (handled) {
        /* Busy: the next batch at most RECV_HOLDOFF from now (an earlier deadline stands). */
        ev_io_stop(m->loop, &m->pull_io);
        if (!ev_is_active(&m->pull_timer)) {
            ev_timer_set(&m->pull_timer, RECV_HOLDOFF, 0.);
            ev_timer_start(m->loop, &m->pull_timer);
        }
    } else if (!ev_is_active(&m->pull_timer)) {
        /* Quiet: the next message wakes the loop. */
        ev_io_start(m->loop, &m->pull_io);
    }
}

static void pull_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    pass(w->data);
}

static void pull_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    pass(w->data);
}

void locust__master_recv_start(master *m)
{
    int fd;
    size_t sz = sizeof fd;
    if (zmq_getsockopt(locust__zsock_raw(m->pull), ZMQ_FD, &fd, &sz) != 0) return;
    ev_io_init(&m->pull_io, pull_io_cb, fd, EV_READ);
    m->pull_io.data = m;
    ev_timer_init(&m->pull_timer, pull_timer_cb, 0., 0.);
    m->pull_timer.data = m;
    /* Messages may already be queued, and the edge for them is gone: a first pass decides. */
    ev_timer_start(m->loop, &m->pull_timer);
}

void locust__master_recv_stop(master *m)
{
    ev_io_stop(m->loop, &m->pull_io);
    ev_timer_stop(m->loop, &m->pull_timer);
}

void locust__master_recv_drain(master *m)
{
    if (ev_is_active(&m->pull_io) || ev_is_active(&m->pull_timer)) pass(m);
}
