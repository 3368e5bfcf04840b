/*
 * What the two files of the Locust 0.9 master share (internal): master.c
 * (the slave table, the master's state, the runner delegate, attaching)
 * and master_recv.c (incoming messages and the slaves' liveness).
 */
#ifndef LOCUST_MASTER_INTERNAL_H
#define LOCUST_MASTER_INTERNAL_H

#include "dist/dist_internal.h"

/* At most this many slaves are tracked (each sends client_ready once). */
#define MAX_SLAVES 4096
/* At most this many master->slave connections are tracked. */
#define MAX_PIPES 8192
/* A closed connection's slave is missing unless it spoke again within this (s). */
#define DISCONNECT_GRACE 0.5
/* How long hatch jobs wait for the slaves' master-to-slave connections (s). */
#define HATCH_SEND_WAIT 2.0
/* The liveness check period (s). */
#define LIVENESS_PERIOD 0.25
/*
 * After a pass over the PULL socket that read something, the next pass is
 * this much later (s): a steady stream of reports is read in batches, at
 * most 1 / RECV_HOLDOFF wake-ups a second, and no message waits longer.
 */
#define RECV_HOLDOFF 0.1
/* Messages read per pass before the loop gets a turn. */
#define RECV_BUDGET 256

typedef enum locust__sstate { S_READY, S_HATCHING, S_RUNNING, S_MISSING } locust__sstate;

typedef struct locust__mslave {
    char *id;
    locust__sstate state, before_missing;
    unsigned user_count;
    double last_seen; /* monotonic */
    int fd;           /* the connection its messages come on, or -1 */
    double closed_at; /* when that connection closed (0: open) */
    int closed_fd;
    bool awaiting_hatch;
} locust__mslave;

typedef struct locust__master {
    int kind; /* LOCUST__DIST_MASTER */
    locust_runner *r;
    struct ev_loop *loop;
    void *zctx;
    locust__zsock *pull, *push, *mon_pull, *mon_push;
    ev_io pull_io;       /* the PULL socket's ZMQ_FD, watched while no batch is due */
    ev_timer pull_timer; /* the next batch of the PULL socket */
    bool pull_reading;   /* inside a pass over the PULL socket */
    char ep_pull[320], ep_push[320];
    locust_master_options opts;
    locust__mslave *slaves;
    size_t n, cap;
    int *pipes; /* handshaked master->slave connections (fds) */
    size_t n_pipes;
    ev_timer liveness_timer, autostart_timer, quit_timer, hatch_timer;
    unsigned *pending;         /* the hatch jobs of the last start: shares */
    unsigned *pending_classes; /* with a fixed class: per job, a count per class (dist_fixed.c) */
    size_t n_pending, pending_sent;
    double pending_rate, pending_deadline;
    unsigned asked_users; /* the test's users and rate, split again when the slaves change */
    double asked_rate;
    unsigned *asked_counts;   /* the users of each class when the start named them (dist_fixed.c), or NULL */
    double hatch_rate_total;  /* the hatch rate of the last start */
    double pending_open_rate; /* the open model: each slave's share of the task-run rate, 0 = closed */
    bool autostart_done, stopping, quitting, finished;
    locust__ratelog_state badlog, unknownlog, sendlog;
} locust__master;

/* "ready", "hatching", "running" or "missing". */
const char *locust__master_state_name(locust__sstate s);

/* master.c: the slave table. */
locust__mslave *locust__master_find(locust__master *m, const char *id);
void locust__master_remove(locust__master *m, locust__mslave *s);
size_t locust__master_count(const locust__master *m, locust__sstate st);
/* Slaves that are not missing. */
size_t locust__master_present(const locust__master *m);
/* The delegate's user_count: the sum over present slaves. */
unsigned locust__master_user_count(void *ud);

/* master.c: the master's state. */
void locust__master_check_hatch_complete(locust__master *m);
void locust__master_check_stopped(locust__master *m);
void locust__master_finish_quit(locust__master *m);
void locust__master_mark_missing(locust__master *m, locust__mslave *s, const char *why);
void locust__master_try_autostart(locust__master *m, bool log_wait);
void locust__master_send_pending_hatches(locust__master *m);
/*
 * Splits the running test's users over the slaves present again, when the
 * set of slaves changed (one gone, back, new or quit), so that the running
 * total stays what was asked. Does nothing outside a running test.
 */
void locust__master_resplit(locust__master *m, const char *why);

/* dist_fixed.c: per-slave class counts (nslaves rows of a count per class)
 * when the start named the classes' counts or a class has a fixed count, else NULL. */
unsigned *locust__master_deal_classes(locust__master *m, unsigned users, size_t nslaves);
/*
 * dist_fixed.c: keeps the class counts of a start (NULL: a start by user
 * count, split by weight) for the deals of this test; *users gets their sum.
 */
int locust__master_set_asked_counts(locust__master *m, const unsigned *counts, unsigned *users);

/* dist_hatch.c: sends one hatch job: 0.9's keys and liblocust's extensions. */
int locust__master_send_hatch(locust__master *m, double rate, unsigned users, const unsigned *classes);

/* master_recv.c: the PULL socket's messages, the monitors, the liveness timer. */
/* Starts reading the bound PULL socket (the first pass runs on the next loop iteration). */
void locust__master_recv_start(locust__master *m);
/* Stops reading it: the watchers stop (before the socket closes, or once the master is finished). */
void locust__master_recv_stop(locust__master *m);
/* Reads what the PULL socket holds now, before a decision that depends on every message having arrived. */
void locust__master_recv_drain(locust__master *m);
void locust__master_pull_monitor(void *ud, unsigned event, int fd, const char *endpoint);
void locust__master_push_monitor(void *ud, unsigned event, int fd, const char *endpoint);
void locust__master_liveness_cb(struct ev_loop *loop, ev_timer *w, int revents);

#endif /* LOCUST_MASTER_INTERNAL_H */
