/*
 * What the files of the distributed mode share (internal): master.c (the
 * Locust 0.9 master), slave.c (a slave of either protocol, and the 0.9
 * messages) and worker2.c (the Locust 2.x worker messages).
 */
#ifndef LOCUST_DIST_INTERNAL_H
#define LOCUST_DIST_INTERNAL_H

#include "core/core.h"
#include "dist/dist_msgpack.h"
#include "dist/dist_zmq.h"
#include "stats/stats_wire.h"

/* What LOCUST__SLOT_DIST holds: every kind starts with this tag. */
enum { LOCUST__DIST_MASTER = 0x6d617374, LOCUST__DIST_SLAVE = 0x736c6176 };

/*
 * The protocol's periods and time limits, in seconds. The defaults are the
 * protocols' own (or documented in docs/protocol.md); tests shorten them.
 */
typedef struct locust__dist_timing {
    double report_interval;    /* slave stats period: 3.0 (SLAVE_REPORT_INTERVAL) */
    double heartbeat_interval; /* 2.x worker heartbeat period: 1.0 */
    double ack_timeout;        /* 2.x: resend client_ready after this: 5.0 */
    int ack_attempts;          /* 2.x: give up after this many client_ready: 61 */
    double master_lost_grace;  /* slave: a lost connection may come back within this: 5.0 */
    double slave_silent_limit; /* master: a slave silent this long is missing: 10.0 */
    double quit_wait;          /* master: wait this long for the slaves' final reports: 3.0 */
    double autostart_poll;     /* master: "Waiting for slaves" period: 1.0 */
} locust__dist_timing;

/* The timing in force for runners attached from now on. */
extern locust__dist_timing locust__dist_timing_cfg;
/* Restores the defaults. */
void locust__dist_timing_reset(void);

/* Writes "<hostname>_<32 random hex digits>" (Locust's client id form). */
void locust__dist_node_id(char *out, size_t cap);

/* Logs at most one line per second for a flood of the same kind of problem. */
typedef struct locust__ratelog_state {
    double last;
    unsigned long suppressed;
} locust__ratelog_state;
void locust__ratelog(locust__ratelog_state *rl, locust_log_level level, const char *logger, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

/* ---- the slave/worker node ------------------------------------------------------ */

typedef enum locust__w2_state { W2_READY, W2_SPAWNING, W2_RUNNING } locust__w2_state;

typedef struct locust__node {
    int kind; /* LOCUST__DIST_SLAVE */
    locust_protocol protocol;
    locust_runner *r;
    struct ev_loop *loop;
    void *zctx;
    locust__zsock *out;    /* 0.9: PUSH to the master; 2.x: the DEALER */
    locust__zsock *in;     /* 0.9: PULL from the master; 2.x: NULL */
    locust__zsock *mon[2]; /* connection monitors of out and in */
    char id[LOCUST__NODE_ID_MAX + 1];
    char master[300];      /* "host:port" for log lines */
    char endpoint[2][320]; /* out's and in's endpoint */
    bool ipv6;
    locust__rpc_style style;
    locust__stats_proto sproto;

    ev_timer report_timer;
    ev_timer lost_timer;
    unsigned connected; /* bit i: mon[i]'s socket is connected */
    unsigned ever_connected;
    unsigned handshaked; /* bit i: mon[i]'s socket completed a ZMTP handshake */
    bool ready_sent;     /* 0.9: the first client_ready is out */
    bool rejoin;         /* 0.9: the connection dropped; say client_ready again when it is back */
    bool quit_by_master, master_lost, finished, stop_pending;
    int end_status; /* locust_slave_status() */
    locust__ratelog_state badlog;
    /* The tag filter the slave had before any master's (dist_tags.c). */
    char *own_tags, *own_exclude;
    bool own_filter_kept;

    /* 2.x only. */
    ev_timer heartbeat_timer;
    ev_timer ack_timer;
    ev_timer ready_timer; /* the stop_timeout wait before client_ready */
    ev_timer reconnect_timer;
    bool acked;
    int ack_attempts;
    int index;
    locust__w2_state w2_state;
    double last_spawn_ts;
    double stop_timeout;
    char **spawn_names; /* the class names of the last spawn, echoed back */
    size_t n_spawn_names;
    double cpu_last_wall, cpu_last_time, cpu_percent;
} locust__node;

/* slave.c: sends one frame built by `o` (finishing it); logs failures. */
int locust__node_send(locust__node *n, locust__rpc_out *o);
/* slave.c: sends [type, nil, id]. */
int locust__node_send_simple(locust__node *n, const char *type);
/* slave.c: packs and sends a stats report (deltas), firing report_to_master. */
int locust__node_send_report(locust__node *n);
/* slave.c: the master's `stop` and `quit` (both protocols). */
void locust__node_do_stop(locust__node *n);
void locust__node_do_quit(locust__node *n);
/* slave.c: 2.x's reconnect: a new DEALER with the same identity. */
int locust__node_reopen(locust__node *n);
/* slave.c: ends the node's connection after a final report and `quit` (when the master is there). */
void locust__node_finish(locust__node *n);

/* worker2.c: the 2.x parts. */
int locust__w2_start(locust__node *n);
void locust__w2_on_message(locust__node *n, const locust__rpc_msg *m);
void locust__w2_on_hatch_complete(locust__node *n);
void locust__w2_on_stopped(locust__node *n);
void locust__w2_free(locust__node *n);
/* Packs the user_classes_count map of the classes this worker reports. */
int locust__w2_pack_class_counts(locust__node *n, msgpack_packer *pk);

/* dist_fixed.c: packs {class name: count} for every class of the runner. */
int locust__pack_class_counts(msgpack_packer *pk, locust_runner *r, const unsigned *counts);
/* dist_fixed.c: reads a hatch message's user_classes_count into counts (one per class). */
int locust__unpack_class_counts(locust_runner *r, const msgpack_object *map, unsigned *counts);

/*
 * dist_tags.c: at a test's start, applies the tag filter of a hatch or spawn
 * message (its "parsed_options"), or the slave's own when it has none. An
 * error (logged) means the slave must run no user in this test.
 */
int locust__node_apply_tags(locust__node *n, const msgpack_object *job);
void locust__node_free_tags(locust__node *n);

/* dist_message.c: hands a message of a registered custom type to its handler; false when none. */
bool locust__message_dispatch(locust_runner *r, const locust__rpc_msg *m, const char *node_id);

#endif /* LOCUST_DIST_INTERNAL_H */
