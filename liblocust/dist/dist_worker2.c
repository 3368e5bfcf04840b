/*
 * The Locust 2.x worker messages (worker protocol, checked against Debian's
 * python3-locust 2.12.1): the client_ready/ack handshake, heartbeats, spawn
 * with absolute per-class counts, stop, quit and reconnect. Sockets, stats
 * reports and exceptions are shared with the 0.9 slave (slave.c).
 *
 * The version sent in client_ready is the integer -1: the protocol document
 * (§4.2) shows it is the only value that both an upstream 2.12.1 master and
 * Debian's build (whose own version is "") accept without a warning.
 */
#include "dist/dist_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define LOG "locust.runners"

/* A spawn's user_classes_count may name at most this many classes. */
#define MAX_SPAWN_CLASSES 1024

static const char *state_name(locust__w2_state s)
{
    return s == W2_SPAWNING ? "spawning" : s == W2_RUNNING ? "running" : "ready";
}

static int send_client_ready(locust__node *n)
{
    locust__rpc_out o;
    int err = locust__rpc_out_begin(&o, "client_ready");
    if (!err && msgpack_pack_int(&o.pk, -1)) err = LOCUST_ENOMEM;
    if (err) {
        locust__rpc_out_free(&o);
        return err;
    }
    return locust__node_send(n, &o);
}

/* ---- CPU and memory for heartbeats ------------------------------------------------ */

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* Like psutil's Process.cpu_percent(): CPU time over wall time since the last call, in percent. */
static double cpu_percent(locust__node *n)
{
    double wall = locust__mono(), cpu = cpu_seconds();
    if (n->cpu_last_wall > 0 && wall - n->cpu_last_wall > 0.05)
        n->cpu_percent = 100.0 * (cpu - n->cpu_last_time) / (wall - n->cpu_last_wall);
    if (n->cpu_last_wall == 0 || wall - n->cpu_last_wall > 0.05) {
        n->cpu_last_wall = wall;
        n->cpu_last_time = cpu;
    }
    return n->cpu_percent > 0 ? n->cpu_percent : 0.0;
}

/* Resident set size in bytes (psutil's memory_info().rss), 0 when unknown. */
static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, resident = 0;
    if (!f) return 0;
    if (fscanf(f, "%llu %llu", &size, &resident) != 2) resident = 0;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return resident * (uint64_t)(page > 0 ? page : 4096);
}

static void heartbeat_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__node *n = w->data;
    if (n->finished || n->master_lost) return;
    locust__rpc_out o;
    int err = locust__rpc_out_begin(&o, "heartbeat");
    if (!err && msgpack_pack_map(&o.pk, 3)) err = LOCUST_ENOMEM;
    if (!err) err = locust__mp_pack_cstr(&o.pk, "state");
    if (!err) err = locust__mp_pack_cstr(&o.pk, state_name(n->w2_state));
    if (!err) err = locust__mp_pack_cstr(&o.pk, "current_cpu_usage");
    if (!err && msgpack_pack_double(&o.pk, cpu_percent(n))) err = LOCUST_ENOMEM;
    if (!err) err = locust__mp_pack_cstr(&o.pk, "current_memory_usage");
    if (!err && msgpack_pack_uint64(&o.pk, rss_bytes())) err = LOCUST_ENOMEM;
    if (err)
        locust__rpc_out_free(&o);
    else
        locust__node_send(n, &o);
}

/* ---- the handshake ------------------------------------------------------------------ */

static void ack_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__node *n = w->data;
    if (n->acked || n->finished) {
        ev_timer_stop(loop, w);
        return;
    }
    if (n->ack_attempts >= locust__dist_timing_cfg.ack_attempts) {
        ev_timer_stop(loop, w);
        locust_log(LOCUST_LOG_ERROR, LOG,
                   "Failed to connect to the Locust master at %s: no answer to %d attempts", n->master,
                   n->ack_attempts);
        n->master_lost = true;
        n->end_status = LOCUST_ETIMEDOUT;
        locust_runner_quit(n->r);
        return;
    }
    n->ack_attempts++;
    /* As the stock worker: the first retries quietly, then warnings. */
    locust_log(n->ack_attempts > 3 ? LOCUST_LOG_WARNING : LOCUST_LOG_DEBUG, LOG,
               "Failed to connect to master %s, retry %d/%d.", n->master, n->ack_attempts - 1,
               locust__dist_timing_cfg.ack_attempts - 1);
    send_client_ready(n);
}

int locust__w2_start(locust__node *n)
{
    ev_timer_init(&n->heartbeat_timer, heartbeat_cb, 0., locust__dist_timing_cfg.heartbeat_interval);
    n->heartbeat_timer.data = n;
    ev_timer_init(&n->ack_timer, ack_timer_cb, locust__dist_timing_cfg.ack_timeout,
                  locust__dist_timing_cfg.ack_timeout);
    n->ack_timer.data = n;
    n->w2_state = W2_READY;
    n->ack_attempts = 1;
    cpu_percent(n);
    send_client_ready(n);
    ev_timer_start(n->loop, &n->ack_timer);
    return 0;
}

static void on_ack(locust__node *n, const msgpack_object *data)
{
    int64_t index;
    if (locust__mp_int(locust__mp_get(data, "index"), 0, INT32_MAX, &index)) n->index = (int)index;
    if (n->acked) return; /* the ack of a client_ready after a stop */
    n->acked = true;
    ev_timer_stop(n->loop, &n->ack_timer);
    locust_log(LOCUST_LOG_INFO, LOG, "Connected to the master at %s (worker index %d)", n->master, n->index);
    /* The first heartbeat and report go out at once, then periodically. */
    ev_timer_set(&n->heartbeat_timer, 0., locust__dist_timing_cfg.heartbeat_interval);
    ev_timer_start(n->loop, &n->heartbeat_timer);
    ev_timer_set(&n->report_timer, 0., locust__dist_timing_cfg.report_interval);
    ev_timer_start(n->loop, &n->report_timer);
}

/* ---- spawn --------------------------------------------------------------------------- */

static void free_names(locust__node *n)
{
    for (size_t i = 0; i < n->n_spawn_names; i++)
        free(n->spawn_names[i]);
    free(n->spawn_names);
    n->spawn_names = NULL;
    n->n_spawn_names = 0;
}

static long class_index(locust_runner *r, const char *name)
{
    for (size_t i = 0; i < locust_runner_class_count(r); i++)
        if (strcmp(locust_runner_class_at(r, i)->name, name) == 0) return (long)i;
    return -1;
}

int locust__w2_pack_class_counts(locust__node *n, msgpack_packer *pk)
{
    locust_runner *r = n->r;
    int err = 0;
    if (n->n_spawn_names) {
        /* Echo the master's class names with what actually runs (the document's advice). */
        if (msgpack_pack_map(pk, n->n_spawn_names)) return LOCUST_ENOMEM;
        for (size_t i = 0; i < n->n_spawn_names && !err; i++) {
            long ci = class_index(r, n->spawn_names[i]);
            err = locust__mp_pack_cstr(pk, n->spawn_names[i]);
            if (!err &&
                msgpack_pack_unsigned_int(pk, ci >= 0 ? locust_runner_class_user_count(r, (size_t)ci) : 0))
                err = LOCUST_ENOMEM;
        }
        return err;
    }
    size_t nc = locust_runner_class_count(r);
    if (msgpack_pack_map(pk, nc)) return LOCUST_ENOMEM;
    for (size_t i = 0; i < nc && !err; i++) {
        err = locust__mp_pack_cstr(pk, locust_runner_class_at(r, i)->name);
        if (!err && msgpack_pack_unsigned_int(pk, locust_runner_class_user_count(r, i))) err = LOCUST_ENOMEM;
    }
    return err;
}

static void on_spawn(locust__node *n, const msgpack_object *data)
{
    /* As the stock worker: `spawning` first, whatever follows. */
    locust__node_send_simple(n, "spawning");
    const msgpack_object *ucc = locust__mp_get(data, "user_classes_count");
    const msgpack_object *host = locust__mp_get(data, "host");
    const msgpack_object *st = locust__mp_get(data, "stop_timeout");
    double ts = 0, stop_timeout = 0;
    if (!ucc || ucc->type != MSGPACK_OBJECT_MAP || ucc->via.map.size > MAX_SPAWN_CLASSES) {
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                        "Ignoring a spawn message: user_classes_count is %s, not a map of class counts",
                        locust__mp_type_name(ucc));
        return;
    }
    if (locust__mp_num(locust__mp_get(data, "timestamp"), &ts)) {
        /* The stock worker drops a spawn that is not newer than the last one. */
        if (ts <= n->last_spawn_ts) {
            locust_log(LOCUST_LOG_DEBUG, LOG, "Ignoring an old spawn message (timestamp %.6f)", ts);
            return;
        }
        n->last_spawn_ts = ts;
    }
    if (st && st->type != MSGPACK_OBJECT_NIL && (!locust__mp_num(st, &stop_timeout) || stop_timeout < 0))
        stop_timeout = 0;
    size_t nc = locust_runner_class_count(n->r);
    unsigned *counts = calloc(nc ? nc : 1, sizeof *counts);
    char **names = calloc(ucc->via.map.size ? ucc->via.map.size : 1, sizeof *names);
    if (!counts || !names) {
        free(counts);
        free(names);
        locust_log(LOCUST_LOG_ERROR, LOG, "Out of memory handling a spawn message");
        return;
    }
    size_t nn = 0;
    for (uint32_t i = 0; i < ucc->via.map.size; i++) {
        int64_t c;
        char *name = locust__mp_strdup(&ucc->via.map.ptr[i].key, 1024);
        if (!name || !locust__mp_int(&ucc->via.map.ptr[i].val, 0, UINT32_MAX / 4, &c)) {
            locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG,
                            "Ignoring an entry of a spawn message: not a class name with a user count");
            free(name);
            continue;
        }
        long ci = class_index(n->r, name);
        if (ci < 0) {
            if (c > 0)
                locust__ratelog(
                    &n->badlog, LOCUST_LOG_WARNING, LOG,
                    "The master asks for %lld users of class '%s', which this worker does not have",
                    (long long)c, name);
        } else {
            counts[ci] = (unsigned)c;
        }
        names[nn++] = name;
    }
    free_names(n);
    n->spawn_names = names;
    n->n_spawn_names = nn;
    n->stop_timeout = stop_timeout;
    if (host && host->type != MSGPACK_OBJECT_NIL) {
        char *h = locust__mp_strdup(host, 4096);
        if (h) locust_runner_set_host(n->r, h);
        free(h);
    }
    /* 2.12.1's worker takes the master's tags from parsed_options at a test's start. */
    if (locust__node_apply_tags(n, data)) memset(counts, 0, nc * sizeof *counts);
    n->w2_state = W2_SPAWNING;
    /* The master paces the ramp-up: a spawn's users all start at once. */
    int err = locust_runner_start_counts(n->r, counts, 1e9);
    free(counts);
    if (err)
        locust_log(LOCUST_LOG_ERROR, LOG, "Could not spawn users: %s",
                   locust_runner_last_error(n->r)[0] ? locust_runner_last_error(n->r) : locust_strerror(err));
}

void locust__w2_on_hatch_complete(locust__node *n)
{
    locust__rpc_out o;
    int err = locust__rpc_out_begin(&o, "spawning_complete");
    if (!err && msgpack_pack_map(&o.pk, 2)) err = LOCUST_ENOMEM;
    if (!err) err = locust__mp_pack_cstr(&o.pk, "user_classes_count");
    if (!err) err = locust__w2_pack_class_counts(n, &o.pk);
    if (!err) err = locust__mp_pack_cstr(&o.pk, "user_count");
    if (!err && msgpack_pack_unsigned_int(&o.pk, locust_runner_user_count(n->r))) err = LOCUST_ENOMEM;
    if (err) {
        locust__rpc_out_free(&o);
        return;
    }
    locust__node_send(n, &o);
    n->w2_state = W2_RUNNING;
}

/* ---- stop ---------------------------------------------------------------------------- */

static void ready_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__node *n = w->data;
    if (n->finished || n->master_lost) return;
    send_client_ready(n);
    n->w2_state = W2_READY;
}

void locust__w2_on_stopped(locust__node *n)
{
    locust__node_send_simple(n, "client_stopped");
    /* As the stock worker: wait stop_timeout, then offer ourselves again. */
    ev_timer_stop(n->loop, &n->ready_timer);
    ev_timer_init(&n->ready_timer, ready_cb, n->stop_timeout, 0.);
    n->ready_timer.data = n;
    /* The loop's cached time may be a long iteration old: count from now. */
    ev_now_update(n->loop);
    ev_timer_start(n->loop, &n->ready_timer);
}

/* ---- dispatch ---------------------------------------------------------------------- */

void locust__w2_on_message(locust__node *n, const locust__rpc_msg *m)
{
    if (strcmp(m->type, "ack") == 0) {
        on_ack(n, m->data);
    } else if (strcmp(m->type, "spawn") == 0) {
        on_spawn(n, m->data);
    } else if (strcmp(m->type, "stop") == 0) {
        locust__node_do_stop(n);
    } else if (strcmp(m->type, "quit") == 0) {
        locust__node_do_quit(n);
    } else if (strcmp(m->type, "reconnect") == 0) {
        locust_log(LOCUST_LOG_INFO, LOG, "The master asked for a reconnect: opening a new connection");
        int err = locust__node_reopen(n);
        if (err) locust_log(LOCUST_LOG_ERROR, LOG, "Could not reconnect: %s", locust_runner_last_error(n->r));
    } else if (strcmp(m->type, "heartbeat") == 0) {
        /* Masters from 2.19 on send heartbeats; the connection monitor already tells us they are alive. */
    } else if (!locust__message_dispatch(n->r, m, m->node_id)) {
        locust__ratelog(&n->badlog, LOCUST_LOG_WARNING, LOG, "Unknown message type received: %s", m->type);
    }
}

void locust__w2_free(locust__node *n)
{
    if (n->loop) {
        ev_timer_stop(n->loop, &n->heartbeat_timer);
        ev_timer_stop(n->loop, &n->ack_timer);
        ev_timer_stop(n->loop, &n->ready_timer);
    }
    free_names(n);
}
