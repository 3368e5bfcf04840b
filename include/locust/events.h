/*
 * Event hooks (Locust's `events` module, manual ch. 10 and docs/compatibility.md §2.8). Every
 * runner has its own set of hooks; any number of listeners can be added to
 * each, and they are called synchronously in the order they were added,
 * each with its own user-data pointer.
 */
#ifndef LOCUST_EVENTS_H
#define LOCUST_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct locust_runner locust_runner;
typedef struct locust_ctx locust_ctx;
struct cJSON;

typedef enum locust_event_type {
    LOCUST_EV_REQUEST_SUCCESS = 0, /* request_type, name, response_time, response_length */
    LOCUST_EV_REQUEST_FAILURE,     /* request_type, name, response_time, error */
    LOCUST_EV_LOCUST_ERROR,        /* ctx, message, traceback (the task path) */
    LOCUST_EV_REPORT_TO_MASTER,    /* client_id, data: add keys to it */
    LOCUST_EV_SLAVE_REPORT,        /* client_id, data: the extra keys a slave sent */
    LOCUST_EV_HATCH_COMPLETE,      /* user_count */
    LOCUST_EV_QUITTING,            /* no fields */
    LOCUST_EV_MASTER_START_HATCHING,
    LOCUST_EV_MASTER_STOP_HATCHING,
    LOCUST_EV_LOCUST_START_HATCHING, /* user_count: the users the new test asks for */
    LOCUST_EV_LOCUST_STOP_HATCHING,
    /* Locust 2.x's events (see the order below). */
    LOCUST_EV_TEST_START,  /* no fields */
    LOCUST_EV_TEST_STOP,   /* no fields */
    LOCUST_EV_RESET_STATS, /* no fields */
    LOCUST_EV_CPU_WARNING, /* cpu_usage */
    LOCUST_EV__COUNT
} locust_event_type;

/** An event. Only the fields named for its type are meaningful. */
typedef struct locust_event {
    locust_event_type type;
    locust_runner *runner;
    /* request_success, request_failure */
    const char *request_type;
    const char *name;
    double response_time;    /* milliseconds */
    int64_t response_length; /* bytes */
    const char *error;       /* failure text */
    /* locust_error */
    locust_ctx *ctx; /* the task set where the task failed */
    const char *message;
    const char *traceback; /* "Class > TaskSet > task" */
    /* report_to_master, slave_report */
    const char *client_id;
    struct cJSON *data; /* a cJSON object */
    /* hatch_complete, locust_start_hatching */
    unsigned user_count;
    /* cpu_warning: the percentage of one core the runner's thread used */
    double cpu_usage;
} locust_event;

/*
 * The order of a test's events on each node (the single process, the
 * master, and every slave, each firing its own once per test):
 *   test_start, locust_start_hatching, [master_start_hatching on a master],
 *   hatch_complete (again after each change of the user count),
 *   test_stop (once the users have stopped), locust_stop_hatching,
 *   quitting (at the end of the process' runner).
 * A quit during a test fires test_stop before quitting. test_start fires
 * again for a test started after a stop. reset_stats fires whenever the
 * statistics are reset on request (the web UI's reset, or
 * locust_runner_reset_stats()). cpu_warning fires every 5 s while the
 * runner's thread uses more than 90% of a core (the environment variable
 * LOCUST_CPU_WARNING_THRESHOLD sets another percentage).
 */

/**
 * Sets the exit status locust-run ends with (2.x's
 * environment.process_exit_code), typically from a quitting listener;
 * code < 0 clears it. It overrides the status locust-run would choose.
 */
void locust_runner_set_exit_code(locust_runner *r, int code);
/** The exit status set with locust_runner_set_exit_code(), or -1. */
int locust_runner_exit_code(const locust_runner *r);
/** Resets the statistics and fires reset_stats (the web UI's reset button). */
int locust_runner_reset_stats(locust_runner *r);

typedef void (*locust_listener_fn)(const locust_event *ev, void *udata);

/** Adds a listener to a hook. The same (fn, udata) may be added twice. */
int locust_on(locust_runner *r, locust_event_type type, locust_listener_fn fn, void *udata);
/** Removes the first listener added with (fn, udata); LOCUST_ENOENT if none. */
int locust_off(locust_runner *r, locust_event_type type, locust_listener_fn fn, void *udata);
/** Fires an event (ev->type says which hook); ev->runner is set for you. */
int locust_fire(locust_runner *r, locust_event *ev);
/** Returns Locust's name for an event type, e.g. "request_success". */
const char *locust_event_name(locust_event_type type);

/**
 * Reports a successful request of a custom client (manual ch. 8): fires
 * request_success, which the statistics listen to.
 */
int locust_report_success(locust_runner *r, const char *request_type, const char *name,
                          double response_time_ms, int64_t response_length);
/** Reports a failed request of a custom client: fires request_failure. */
int locust_report_failure(locust_runner *r, const char *request_type, const char *name,
                          double response_time_ms, const char *error);

#ifdef __cplusplus
}
#endif

#endif /* LOCUST_EVENTS_H */
