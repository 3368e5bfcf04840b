/*
 * The Locust 0.9 master's side of incoming traffic (see master.c for the
 * overview): messages on the PULL socket, with 0.9.0's handling of each
 * type but no message able to stop the master, and the liveness of slaves,
 * which 0.9 has no heartbeat for: a slave is missing when its connection
 * closes (socket monitor, matched by the connection its messages came on)
 * or when it has been silent for slave_silent_limit.
 */
#include "master_internal.h"

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
    /* slave_report listeners see the keys that are not stats. */
    if (data->type == MSGPACK_OBJECT_MAP) {
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
        locust__master_check_stopped(m);
    } else if (strcmp(type, "quit") == 0) {
        if (!s) return;
        locust__master_remove(m, s);
        locust_log(LOCUST_LOG_INFO, LOG, "Client '%s' quit. Currently %zu clients connected.", id,
                   locust__master_present(m));
        locust__master_check_hatch_complete(m);
        locust__master_check_stopped(m);
        if (m->quitting && locust__master_present(m) == 0) locust__master_finish_quit(m);
    } else if (strcmp(type, "exception") == 0) {
        on_exception(m, id, msg->data);
    } else {
        locust__ratelog(&m->unknownlog, LOCUST_LOG_DEBUG, LOG,
                        "Ignoring a message of unknown type '%s' from %s", type, id);
    }
}

void locust__master_recv_cb(locust__zsock *sock, const locust__zframe *parts, size_t nparts, int srcfd,
                            void *ud)
{
    master *m = ud;
    if (m->finished) return;
    locust__rpc_msg msg;
    char err[256];
    if (locust__rpc_decode(parts[0].data, parts[0].len, &msg, err, sizeof err) != 0) {
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
