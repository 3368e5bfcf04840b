/*
 * The master of Locust 0.9's protocol (docs/compatibility.md §1-§3): binds PULL on the bind
 * port and PUSH on port + 1, splits users over its slaves, merges their
 * statistics into the runner's, and keeps a table of slaves. It installs a
 * runner delegate, so locust_runner_start/stop/quit drive the slaves and
 * the CLI and web UI need no master-specific code. Stock 0.9.0 Python
 * slaves are served too: every frame is wire-exact.
 *
 * Where 0.9.0 goes wrong, this master is wire compatible but behaves
 * correctly (docs/protocol.md has the list):
 *  - no message kills it: malformed frames and messages from unknown slaves
 *    are logged (rate-limited) and ignored;
 *  - the split counts every slave it sends a hatch to (0.9.0 did not count
 *    slaves still hatching, yet sent them a share: 15 users for 10);
 *  - slaves that vanish are noticed although 0.9 has no heartbeat: a slave
 *    whose TCP connection closes (seen through a ZeroMQ socket monitor and
 *    matched to the slave by the connection its messages arrive on), or
 *    that sends nothing for slave_silent_limit (10 s: three missed reports),
 *    is marked "missing", leaves the user count and the next splits, and
 *    comes back by itself if it speaks again;
 *  - whenever the set of slaves changes during a test (a slave joins,
 *    quits, stops, goes missing or comes back), the users are split again
 *    over the slaves present, so the running total stays what was asked
 *    (0.9.0 lost a departed slave's users and left a new one idle);
 *  - the master's hatch_complete waits for every slave it sent a hatch to;
 *  - stop reaches every connected slave (PUSH round-robins, so 0.9.0's
 *    "one stop per running slave" could miss one);
 *  - hatch jobs wait (at most 2 s) until every slave is connected for
 *    master-to-slave messages, then go out in a row, one per slave;
 *  - on quit it waits for the slaves' final reports, so the merged totals
 *    are complete: at most the users' stop grace (the runner's
 *    stop_timeout, 10 s by default, within which a slave's requests in
 *    flight finish and are counted) plus quit_wait (3 s) to stop them and
 *    report. 0.9.0 quits at once and drops what the slaves counted last.
 *
 * Incoming messages and the slaves' liveness are in master_recv.c.
 */
#include "dist/dist_master.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define LOG "locust.runners"

typedef locust__master master;
typedef locust__mslave mslave;
typedef locust__sstate sstate;

static const char *const sstate_names[] = {"ready", "hatching", "running", "missing"};

const char *locust__master_state_name(sstate s)
{
    return sstate_names[s];
}

static void master_free(void *p);

/* ---- the slave table ------------------------------------------------------------- */

mslave *locust__master_find(master *m, const char *id)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->slaves[i].id, id) == 0) return &m->slaves[i];
    return NULL;
}

void locust__master_remove(master *m, mslave *s)
{
    size_t i = (size_t)(s - m->slaves);
    free(s->id);
    memmove(&m->slaves[i], &m->slaves[i + 1], (m->n - i - 1) * sizeof *m->slaves);
    m->n--;
}

size_t locust__master_count(const master *m, sstate st)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        k += m->slaves[i].state == st;
    return k;
}

size_t locust__master_present(const master *m)
{
    return m->n - locust__master_count(m, S_MISSING);
}

/* True while some present slave is hatching or still owes an answer to a hatch. */
static bool any_hatching(const master *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->slaves[i].state == S_HATCHING ||
            (m->slaves[i].state != S_MISSING && m->slaves[i].awaiting_hatch))
            return true;
    return false;
}

static bool any_active(const master *m)
{
    return any_hatching(m) || locust__master_count(m, S_RUNNING) > 0;
}

unsigned locust__master_user_count(void *ud)
{
    master *m = ud;
    unsigned long long sum = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->slaves[i].state != S_MISSING) sum += m->slaves[i].user_count;
    return sum > UINT32_MAX ? UINT32_MAX : (unsigned)sum;
}

/* ---- sending ------------------------------------------------------------------------ */

/* Sends a payload-less message `times` times: PUSH hands one to each connected slave in turn. */
static void broadcast(master *m, const char *type, size_t times)
{
    locust__rpc_out o;
    int err = locust__rpc_out_begin(&o, type);
    if (!err && msgpack_pack_nil(&o.pk)) err = LOCUST_ENOMEM;
    if (!err) err = locust__rpc_out_finish(&o, NULL, LOCUST__RPC_STYLE_09);
    locust__zsock_sync(m->push);
    for (size_t i = 0; !err && i < times; i++)
        err = locust__zsock_send(m->push, o.frame, o.len);
    /* With every slave of the table gone (crashed, its connection closed), no one is there to hear
     * it and a send that finds no connection is no error. */
    if (err && locust__master_present(m) > 0)
        locust__ratelog(&m->sendlog, LOCUST_LOG_ERROR, LOG, "Could not send '%s' to the slaves: %s", type,
                        locust_strerror(err));
    locust__rpc_out_free(&o);
}

/* The number of messages that reaches every connected slave at least once. */
static size_t all_slaves(const master *m, size_t table)
{
    return table > m->n_pipes ? table : m->n_pipes;
}

/* ---- master state ------------------------------------------------------------------- */

void locust__master_check_hatch_complete(master *m)
{
    if (m->stopping || m->quitting || locust_runner_state_get(m->r) != LOCUST_STATE_HATCHING ||
        any_hatching(m))
        return;
    locust__runner_hatch_complete(m->r, locust__master_user_count(m));
}

void locust__master_check_stopped(master *m)
{
    locust_runner_state st = locust_runner_state_get(m->r);
    if ((st == LOCUST_STATE_HATCHING || st == LOCUST_STATE_RUNNING) && !any_active(m)) {
        /* Slaves that quit because the master told them to are no loss worth a warning. */
        if (!m->stopping && !m->quitting && m->n && locust__master_present(m) == 0)
            locust_log(LOCUST_LOG_WARNING, LOG, "No slave is left: the test is stopped");
        locust__runner_set_state(m->r, LOCUST_STATE_STOPPED);
        locust__test_stop(m->r);
        m->stopping = false;
    }
}

void locust__master_finish_quit(master *m)
{
    if (m->finished) return;
    m->finished = true;
    ev_timer_stop(m->loop, &m->quit_timer);
    ev_timer_stop(m->loop, &m->autostart_timer);
    ev_timer_stop(m->loop, &m->liveness_timer);
    ev_timer_stop(m->loop, &m->hatch_timer);
    locust__master_recv_stop(m);
    locust__runner_finish_quit(m->r);
}

void locust__master_mark_missing(master *m, mslave *s, const char *why)
{
    if (s->state == S_MISSING) return;
    s->before_missing = s->state;
    s->state = S_MISSING;
    s->awaiting_hatch = false;
    locust_log(LOCUST_LOG_WARNING, LOG,
               "Slave %s is gone (%s): setting its state to missing. %zu slaves left.", s->id, why,
               locust__master_present(m));
    /* The slaves left take its share, so that the running total stays what was asked. */
    locust__master_resplit(m, "A slave is gone");
    locust__master_check_hatch_complete(m);
    locust__master_check_stopped(m);
    if (m->quitting && locust__master_present(m) == 0) locust__master_finish_quit(m);
}

/* ---- the delegate: locust_runner_start/stop/quit ------------------------------------- */
/*
 * Sends the hatch jobs of the last start. PUSH hands each message to the
 * next connected slave, so the jobs wait until every slave is connected
 * for master-to-slave messages (a slave may say client_ready a moment
 * before that connection is up); after HATCH_SEND_WAIT they go anyway.
 */
void locust__master_send_pending_hatches(master *m)
{
    bool late = locust__mono() >= m->pending_deadline;
    locust__zsock_sync(m->push);
    /*
     * All at once or not at all: N sends in a row over N connected slaves
     * give each exactly one, whatever slave PUSH's round-robin starts at.
     */
    if (m->n_pipes < m->n_pending && !late) {
        if (!ev_is_active(&m->hatch_timer)) ev_timer_start(m->loop, &m->hatch_timer);
        return;
    }
    while (m->pending_sent < m->n_pending) {
        const unsigned *classes = m->pending_classes
                                      ? m->pending_classes + m->pending_sent * locust_runner_class_count(m->r)
                                      : NULL;
        int err = locust__master_send_hatch(m, m->pending_rate, m->pending[m->pending_sent], classes);
        if (err == LOCUST_EAGAIN && !late) break;
        if (err)
            locust__ratelog(&m->sendlog, LOCUST_LOG_ERROR, LOG, "Could not send a hatch job: %s",
                            locust_strerror(err));
        m->pending_sent++;
    }
    if (m->pending_sent < m->n_pending) {
        if (!ev_is_active(&m->hatch_timer)) ev_timer_start(m->loop, &m->hatch_timer);
    } else {
        ev_timer_stop(m->loop, &m->hatch_timer);
        if (late && m->n_pipes < m->n_pending)
            locust_log(
                LOCUST_LOG_WARNING, LOG,
                "Only %zu of %zu slaves were connected for master-to-slave messages; hatch jobs may have "
                "reached the wrong slaves",
                m->n_pipes, m->n_pending);
    }
}

static void cancel_pending_hatches(master *m)
{
    m->n_pending = m->pending_sent = 0;
    ev_timer_stop(m->loop, &m->hatch_timer);
}

static void hatch_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__master_send_pending_hatches(w->data);
}

/* Slaves that get a share: every present one (0.9.0 left out slaves still hatching). */
static size_t sharing_slaves(const master *m)
{
    return locust__master_count(m, S_READY) + locust__master_count(m, S_HATCHING) +
           locust__master_count(m, S_RUNNING);
}

/*
 * Splits `users` over the present slaves and sends each its share (as the
 * slaves' connections allow: send_pending_hatches). The shares add up to
 * `users` exactly.
 */
static int send_split(master *m, unsigned users, double rate)
{
    size_t nslaves = sharing_slaves(m);
    unsigned each = users / (unsigned)nslaves, remaining = users % (unsigned)nslaves;
    unsigned *pending = calloc(nslaves, sizeof *pending);
    if (!pending) return LOCUST_ENOMEM;
    free(m->pending);
    m->pending = pending;
    m->n_pending = m->pending_sent = 0;
    m->pending_rate = rate / (double)nslaves;
    m->hatch_rate_total = rate;
    /* The open model's rate is split exactly: equal shares that add up to the whole. */
    m->pending_open_rate = locust_runner_rate(m->r) / (double)nslaves;
    m->pending_deadline = locust__mono() + HATCH_SEND_WAIT;
    for (size_t i = 0; i < m->n; i++) {
        mslave *s = &m->slaves[i];
        if (s->state == S_MISSING) continue;
        m->pending[m->n_pending++] = each + (remaining > 0 ? 1 : 0);
        if (remaining > 0) remaining--;
        s->awaiting_hatch = true;
    }
    /* With a fixed class the master places every class's users itself. */
    free(m->pending_classes);
    m->pending_classes = locust__master_deal_classes(m, users, m->n_pending);
    m->asked_users = users;
    m->asked_rate = rate;
    locust__master_send_pending_hatches(m);
    return 0;
}

void locust__master_resplit(master *m, const char *why)
{
    locust_runner_state st = locust_runner_state_get(m->r);
    if (m->stopping || m->quitting || m->finished ||
        (st != LOCUST_STATE_HATCHING && st != LOCUST_STATE_RUNNING))
        return;
    size_t nslaves = sharing_slaves(m);
    if (nslaves == 0) return; /* check_stopped ends the test */
    locust_log(LOCUST_LOG_INFO, LOG, "%s: splitting the %u users over the %zu slaves present again", why,
               m->asked_users, nslaves);
    if (locust_runner_rate(m->r) > 0)
        locust_log(LOCUST_LOG_INFO, LOG, "Splitting the rate of %g runs/s over the %zu slaves left",
                   locust_runner_rate(m->r), nslaves);
    int err = send_split(m, m->asked_users, m->asked_rate);
    if (err)
        locust__ratelog(&m->sendlog, LOCUST_LOG_ERROR, LOG, "Could not split the users again: %s",
                        locust_strerror(err));
}

static int start_test(master *m, unsigned users, double rate)
{
    size_t nslaves = sharing_slaves(m);
    if (nslaves == 0) {
        locust_log(LOCUST_LOG_WARNING, LOG,
                   "You are running in distributed mode but have no slave servers connected. Please connect "
                   "slaves prior to swarming.");
        return 0;
    }
    locust_log(LOCUST_LOG_INFO, LOG, "Sending hatch jobs to %zu ready clients", nslaves);
    locust_runner_state st = locust_runner_state_get(m->r);
    if (st != LOCUST_STATE_HATCHING && st != LOCUST_STATE_RUNNING) {
        /* A new test: the statistics and the task exceptions start afresh. */
        locust_stats_clear(locust_runner_stats(m->r));
        locust__runner_clear_exceptions(m->r);
        locust__test_start(m->r);
        locust_event ev = {.type = LOCUST_EV_MASTER_START_HATCHING};
        locust_fire(m->r, &ev);
    }
    int err = send_split(m, users, rate);
    if (err) return err;
    /* As 0.9.0: every start or edit restarts the RPS baselines. */
    locust_stats_set_start_time(locust_runner_stats(m->r), locust__now());
    m->stopping = false;
    locust__runner_set_state(m->r, LOCUST_STATE_HATCHING);
    return 0;
}

static int d_start(void *ud, unsigned users, double rate)
{
    master *m = ud;
    locust__master_set_asked_counts(m, NULL, NULL); /* split by weight (and fixed counts) */
    return start_test(m, users, rate);
}

/* A start that names each class's users (a shape that returns classes): the slaves get that placement. */
static int d_start_counts(void *ud, const unsigned *counts, double rate)
{
    master *m = ud;
    unsigned users = 0;
    int err = locust__master_set_asked_counts(m, counts, &users);
    return err ? err : start_test(m, users, rate);
}

static int d_stop(void *ud)
{
    master *m = ud;
    cancel_pending_hatches(m);
    if (m->n) broadcast(m, "stop", all_slaves(m, locust__master_present(m)));
    locust_event ev = {.type = LOCUST_EV_MASTER_STOP_HATCHING};
    locust_fire(m->r, &ev);
    locust_runner_state st = locust_runner_state_get(m->r);
    if (st == LOCUST_STATE_HATCHING || st == LOCUST_STATE_RUNNING) {
        if (any_active(m))
            m->stopping = true; /* stopped once every slave has answered client_stopped */
        else {
            locust__runner_set_state(m->r, LOCUST_STATE_STOPPED);
            locust__test_stop(m->r);
        }
    }
    return 0;
}

/* How long a quit waits for the slaves: their users' grace, then time to stop and report. */
static double quit_wait(const master *m)
{
    return locust__runner_stop_grace(m->r) + locust__dist_timing_cfg.quit_wait;
}

static void quit_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    master *m = w->data;
    /* Reports and quits may be waiting for the next batch: take them into the totals first. */
    locust__master_recv_drain(m);
    if (m->finished) return;
    locust_log(LOCUST_LOG_WARNING, LOG, "%zu slaves did not confirm the quit within %g s",
               locust__master_present(m), quit_wait(m));
    locust__master_finish_quit(m);
}

static int d_quit(void *ud)
{
    master *m = ud;
    m->quitting = true;
    cancel_pending_hatches(m);
    ev_timer_stop(m->loop, &m->autostart_timer);
    if (m->n) broadcast(m, "quit", all_slaves(m, m->n));
    if (locust__master_present(m) == 0) {
        locust__master_finish_quit(m);
        return 0;
    }
    /* Wait for their final reports (each slave sends stats, then quit). */
    ev_timer_set(&m->quit_timer, quit_wait(m), 0.);
    ev_timer_start(m->loop, &m->quit_timer);
    return 0;
}

static size_t d_slave_count(void *ud)
{
    return ((master *)ud)->n;
}

static int d_slave(void *ud, size_t i, locust_slave_info *out)
{
    master *m = ud;
    if (i >= m->n) return LOCUST_ENOENT;
    out->id = m->slaves[i].id;
    out->state = sstate_names[m->slaves[i].state];
    out->user_count = m->slaves[i].state == S_MISSING ? 0 : m->slaves[i].user_count;
    return 0;
}

/* ---- autostart (--no-web) ---------------------------------------------------------------- */

void locust__master_try_autostart(master *m, bool log_wait)
{
    if (!m->opts.autostart || m->autostart_done || m->quitting) return;
    size_t ready = locust__master_count(m, S_READY);
    if (ready < m->opts.expect_slaves) {
        if (log_wait)
            locust_log(LOCUST_LOG_INFO, "root", "Waiting for slaves to be ready, %zu of %u connected", ready,
                       m->opts.expect_slaves);
        return;
    }
    m->autostart_done = true;
    ev_timer_stop(m->loop, &m->autostart_timer);
    /* A load shape, when one is set, decides the users instead of -c/-r. */
    locust_shape_info si;
    locust_runner_shape_info(m->r, &si);
    int err = si.configured ? locust_runner_shape_start(m->r, true)
                            : locust_runner_start(m->r, m->opts.autostart_users, m->opts.autostart_rate);
    if (err) {
        locust_log(LOCUST_LOG_ERROR, LOG, "Could not start the test: %s", locust_runner_last_error(m->r));
        return;
    }
    /* As 0.9.0: the time limit counts from the hatch jobs being sent. */
    if (m->opts.run_time > 0) {
        locust_log(LOCUST_LOG_INFO, "locust.main", "Run time limit set to %g seconds", m->opts.run_time);
        locust__runner_arm_run_time(m->r, m->opts.run_time);
    }
}

static void autostart_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    locust__master_try_autostart(w->data, true);
}

/* ---- attaching --------------------------------------------------------------------------- */

static int bind_socket(master *m, locust__zsock **out, int type, const char *ep, locust__zmon_fn monfn,
                       locust__zsock **mon)
{
    /* The PULL socket is read by master_recv.c, in batches; PUSH only has commands to take in. */
    int err = locust__zsock_new(out, m->loop, m->zctx, type, NULL, m);
    if (err) return locust__runner_error(m->r, err, "cannot create a ZeroMQ socket: %s", zmq_strerror(-err));
    void *raw = locust__zsock_raw(*out);
    int linger = 1000;
    int64_t maxmsg = LOCUST__RPC_MAX_FRAME;
    zmq_setsockopt(raw, ZMQ_LINGER, &linger, sizeof linger);
    if (type == ZMQ_PULL) zmq_setsockopt(raw, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    err = locust__zsock_monitor(*out, m->zctx, ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED, monfn,
                                m, mon);
    if (err) return locust__runner_error(m->r, err, "cannot monitor a ZeroMQ socket: %s", zmq_strerror(-err));
    if (zmq_bind(raw, ep) != 0) {
        int e = errno;
        return locust__runner_error(m->r, e == EADDRINUSE ? LOCUST_EBUSY : LOCUST_EINVAL,
                                    "cannot bind %s: %s", ep, zmq_strerror(e));
    }
    if (type == ZMQ_PULL)
        locust__master_recv_start(m);
    else
        locust__zsock_start(*out);
    return 0;
}

int locust_master_attach_sized(locust_runner *r, const locust_master_options *opts, size_t opts_size)
{
    if (!r) return LOCUST_EINVAL;
    locust_master_options adapted;
    int aerr;
    opts = locust__opts_adapt(opts, opts_size, &adapted, sizeof adapted, &aerr);
    if (aerr)
        return locust__runner_error(r, aerr, "master options: a field this liblocust does not know is set");
    if (locust__runner_slot(r, LOCUST__SLOT_DIST))
        return locust__runner_error(r, LOCUST_EBUSY, "the runner is already a master or a slave");
    locust_master_options o = {0};
    if (opts) o = *opts;
    if (!o.bind_host || !*o.bind_host) o.bind_host = "*";
    if (!o.bind_port) o.bind_port = 5557;
    if (!o.expect_slaves) o.expect_slaves = 1;
    if (o.bind_port < 1 || o.bind_port > 65534)
        return locust__runner_error(
            r, LOCUST_EINVAL, "bind_port: %d is not a port in 1..65534 (port + 1 is used too)", o.bind_port);
    if (o.autostart && (!(o.autostart_rate > 0) || !isfinite(o.autostart_rate)))
        return locust__runner_error(r, LOCUST_EINVAL, "autostart_rate: must be a number > 0 (got %g)",
                                    o.autostart_rate);
    if (!(o.run_time >= 0) || !isfinite(o.run_time))
        return locust__runner_error(r, LOCUST_EINVAL, "run_time: must be a number >= 0 (got %g)", o.run_time);
    master *m = calloc(1, sizeof *m);
    if (!m) return LOCUST_ENOMEM;
    m->kind = LOCUST__DIST_MASTER;
    m->r = r;
    m->loop = locust__runner_loop(r);
    m->opts = o;
    m->opts.bind_host = NULL; /* not kept: the caller's string may not outlive the runner */
    bool v6 = false;
    int err = locust__zendpoint(m->ep_pull, sizeof m->ep_pull, o.bind_host, o.bind_port, &v6);
    if (!err) err = locust__zendpoint(m->ep_push, sizeof m->ep_push, o.bind_host, o.bind_port + 1, NULL);
    if (err) {
        free(m);
        return locust__runner_error(r, LOCUST_EINVAL, "bind_host: '%s' is not an interface or address",
                                    o.bind_host);
    }
    m->pipes = calloc(MAX_PIPES, sizeof *m->pipes);
    m->zctx = locust__zctx_new();
    if (!m->pipes || !m->zctx) {
        free(m->pipes);
        locust__zctx_term(m->zctx);
        free(m);
        return locust__runner_error(r, LOCUST_ENOMEM, "cannot create a ZeroMQ context");
    }
    ev_timer_init(&m->liveness_timer, locust__master_liveness_cb, LIVENESS_PERIOD, LIVENESS_PERIOD);
    m->liveness_timer.data = m;
    ev_timer_init(&m->autostart_timer, autostart_cb, 0., locust__dist_timing_cfg.autostart_poll);
    m->autostart_timer.data = m;
    ev_timer_init(&m->quit_timer, quit_timer_cb, 0., 0.);
    m->quit_timer.data = m;
    ev_timer_init(&m->hatch_timer, hatch_timer_cb, 0.02, 0.02);
    m->hatch_timer.data = m;
    locust__runner_set_slot(r, LOCUST__SLOT_DIST, m, master_free);
    err = bind_socket(m, &m->pull, ZMQ_PULL, m->ep_pull, locust__master_pull_monitor, &m->mon_pull);
    if (!err) err = bind_socket(m, &m->push, ZMQ_PUSH, m->ep_push, locust__master_push_monitor, &m->mon_push);
    if (err) {
        locust__runner_set_slot(r, LOCUST__SLOT_DIST, NULL, NULL);
        master_free(m);
        return err;
    }
    locust__delegate d = {
        .ud = m,
        .is_master = true,
        .start = d_start,
        .start_counts = d_start_counts,
        .stop = d_stop,
        .quit = d_quit,
        .user_count = locust__master_user_count,
        .slave_count = d_slave_count,
        .slave = d_slave,
    };
    locust__runner_set_delegate(r, &d);
    ev_timer_start(m->loop, &m->liveness_timer);
    if (o.autostart) ev_timer_start(m->loop, &m->autostart_timer);
    locust_log(LOCUST_LOG_INFO, LOG, "Master listening on %s (from slaves) and %s (to slaves)", m->ep_pull,
               m->ep_push);
    return 0;
}

static void master_free(void *p)
{
    master *m = p;
    if (!m) return;
    if (m->loop) {
        ev_timer_stop(m->loop, &m->liveness_timer);
        ev_timer_stop(m->loop, &m->autostart_timer);
        ev_timer_stop(m->loop, &m->quit_timer);
        ev_timer_stop(m->loop, &m->hatch_timer);
        locust__master_recv_stop(m);
    }
    if (locust__runner_delegate(m->r) && locust__runner_delegate(m->r)->ud == m)
        locust__runner_set_delegate(m->r, NULL);
    locust__zsock_close(m->mon_pull);
    locust__zsock_close(m->mon_push);
    locust__zsock_close(m->pull);
    locust__zsock_close(m->push);
    locust__zctx_term(m->zctx);
    for (size_t i = 0; i < m->n; i++)
        free(m->slaves[i].id);
    free(m->slaves);
    free(m->pipes);
    free(m->pending_classes);
    free(m->asked_counts);
    free(m->pending);
    free(m);
}
