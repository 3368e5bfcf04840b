/*
 * Event hooks: per runner, one listener list per event type, called in the
 * order listeners were added (docs/compatibility.md §2.8). Unlike 0.9.0, `quitting` is fired
 * in reverse order without permanently reversing the list.
 */
#include "core/core.h"
#include "core/user.h"

#include <stdlib.h>
#include <string.h>

typedef struct listener {
    locust_listener_fn fn;
    void *udata;
} listener;

typedef struct hook {
    listener *v;
    size_t n, cap;
} hook;

struct locust__hooks {
    hook h[LOCUST_EV__COUNT];
    locust__test_state test; /* core/test_events.c */
};

/* A listener list has a cap so that a listener added in a loop cannot eat memory. */
#define MAX_LISTENERS 4096

static const char *const names[LOCUST_EV__COUNT] = {
    "request_success",
    "request_failure",
    "locust_error",
    "report_to_master",
    "slave_report",
    "hatch_complete",
    "quitting",
    "master_start_hatching",
    "master_stop_hatching",
    "locust_start_hatching",
    "locust_stop_hatching",
    "test_start",
    "test_stop",
    "reset_stats",
    "cpu_warning",
};

const char *locust_event_name(locust_event_type type)
{
    if ((unsigned)type >= LOCUST_EV__COUNT) return "unknown";
    return names[type];
}

int locust__hooks_new(locust__hooks **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : LOCUST_ENOMEM;
}

void locust__hooks_free(locust__hooks *hs)
{
    if (!hs) return;
    for (int i = 0; i < LOCUST_EV__COUNT; i++)
        free(hs->h[i].v);
    free(hs);
}

int locust__hooks_add(locust__hooks *hs, locust_event_type t, locust_listener_fn fn, void *udata)
{
    if ((unsigned)t >= LOCUST_EV__COUNT || !fn) return LOCUST_EINVAL;
    hook *h = &hs->h[t];
    if (h->n == h->cap) {
        if (h->cap >= MAX_LISTENERS) return LOCUST_ETOOBIG;
        size_t cap = h->cap ? h->cap * 2 : 4;
        listener *v = realloc(h->v, cap * sizeof *v);
        if (!v) return LOCUST_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = (listener){fn, udata};
    return 0;
}

int locust__hooks_remove(locust__hooks *hs, locust_event_type t, locust_listener_fn fn, void *udata)
{
    if ((unsigned)t >= LOCUST_EV__COUNT) return LOCUST_EINVAL;
    hook *h = &hs->h[t];
    for (size_t i = 0; i < h->n; i++) {
        if (h->v[i].fn == fn && h->v[i].udata == udata) {
            memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof *h->v);
            h->n--;
            return 0;
        }
    }
    return LOCUST_ENOENT;
}

locust__test_state *locust__hooks_test_state(locust__hooks *hs)
{
    return &hs->test;
}

bool locust__hooks_any(const locust__hooks *hs, locust_event_type t)
{
    return hs->h[t].n > 0;
}

void locust__hooks_fire(locust__hooks *hs, const locust_event *ev)
{
    hook *h = &hs->h[ev->type];
    if (ev->type == LOCUST_EV_QUITTING) {
        /* Teardowns registered last run first, as in 0.9.0's fire(reverse=True). */
        for (size_t i = h->n; i-- > 0;)
            if (i < h->n) h->v[i].fn(ev, h->v[i].udata);
        return;
    }
    /* Re-reading h->n each time lets a listener remove itself safely. */
    for (size_t i = 0; i < h->n; i++)
        h->v[i].fn(ev, h->v[i].udata);
}

int locust_on(locust_runner *r, locust_event_type type, locust_listener_fn fn, void *udata)
{
    if (!r) return LOCUST_EINVAL;
    return locust__hooks_add(locust__runner_hooks(r), type, fn, udata);
}

int locust_off(locust_runner *r, locust_event_type type, locust_listener_fn fn, void *udata)
{
    if (!r) return LOCUST_EINVAL;
    return locust__hooks_remove(locust__runner_hooks(r), type, fn, udata);
}

int locust_fire(locust_runner *r, locust_event *ev)
{
    if (!r || !ev || (unsigned)ev->type >= LOCUST_EV__COUNT) return LOCUST_EINVAL;
    ev->runner = r;
    /* Requests go through the same path as the built-in HTTP client. */
    if (ev->type == LOCUST_EV_REQUEST_SUCCESS)
        return locust_report_success(r, ev->request_type, ev->name, ev->response_time, ev->response_length);
    if (ev->type == LOCUST_EV_REQUEST_FAILURE)
        return locust_report_failure(r, ev->request_type, ev->name, ev->response_time, ev->error);
    locust__hooks_fire(locust__runner_hooks(r), ev);
    return 0;
}

int locust_report_success(locust_runner *r, const char *request_type, const char *name,
                          double response_time_ms, int64_t response_length)
{
    if (!r || !request_type || !name) return LOCUST_EINVAL;
    /* The statistics are the first listener of request_success; calling them
     * directly keeps the per-request path short. */
    /* A request of a scheduled task run also counts from the run's intended start (wrk2's correction). */
    locust_user *u = locust__current_user();
    double corrected = u && u->run_scheduled ? response_time_ms + u->run_late_ms : -1;
    int err = locust_stats_log_success_scheduled(locust_runner_stats(r), request_type, name, response_time_ms,
                                                 corrected, response_length);
    if (err) return err;
    locust__hooks *hs = locust__runner_hooks(r);
    if (locust__hooks_any(hs, LOCUST_EV_REQUEST_SUCCESS)) {
        locust_event ev = {.type = LOCUST_EV_REQUEST_SUCCESS,
                           .runner = r,
                           .request_type = request_type,
                           .name = name,
                           .response_time = response_time_ms,
                           .response_length = response_length};
        locust__hooks_fire(hs, &ev);
    }
    return 0;
}

int locust_report_failure(locust_runner *r, const char *request_type, const char *name,
                          double response_time_ms, const char *error)
{
    if (!r || !request_type || !name) return LOCUST_EINVAL;
    if (!error) error = "unknown error";
    int err = locust_stats_log_failure(locust_runner_stats(r), request_type, name, response_time_ms, error);
    if (err) return err;
    locust__hooks *hs = locust__runner_hooks(r);
    if (locust__hooks_any(hs, LOCUST_EV_REQUEST_FAILURE)) {
        locust_event ev = {.type = LOCUST_EV_REQUEST_FAILURE,
                           .runner = r,
                           .request_type = request_type,
                           .name = name,
                           .response_time = response_time_ms,
                           .error = error};
        locust__hooks_fire(hs, &ev);
    }
    return 0;
}
