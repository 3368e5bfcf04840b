/*
 * Load shapes (Locust 2.x's LoadTestShape): a function called every second
 * with the run time decides the user count and spawn rate, and when the
 * test ends. It drives the runner through locust_runner_start(), so on a
 * master (whose delegate takes the starts) it drives the slaves. --stages
 * is a built-in shape over a table of steps.
 */
#include "core/core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_INTERVAL 1.0

typedef struct shape {
    locust_runner *r;
    char name[64];
    locust_shape_fn fn;
    void *udata;
    ev_timer timer;
    bool running, quit_at_end, ticked;
    char classes[512]; /* the class names of the last tick, one per line ("" = all classes) */
    double started;
    unsigned users;
    double rate;
    locust_stage *stages; /* the --stages table, or NULL */
    size_t n_stages, stage;
} shape;

/* A test stopped by other means (the web UI, a signal, a quit) ends the shape's control. */
static void on_test_stop(const locust_event *ev, void *udata)
{
    shape *s = udata;
    if (!s->running) return;
    s->running = false;
    ev_timer_stop(locust__runner_loop(s->r), &s->timer);
}

static void shape_free(void *p)
{
    shape *s = p;
    locust_off(s->r, LOCUST_EV_TEST_STOP, on_test_stop, s);
    ev_timer_stop(locust__runner_loop(s->r), &s->timer);
    free(s->stages);
    free(s);
}

static shape *get(const locust_runner *r)
{
    return locust__runner_slot(r, LOCUST__SLOT_SHAPE);
}

static bool busy(const locust_runner *r)
{
    locust_runner_state st = locust_runner_state_get(r);
    shape *s = get(r);
    return (st != LOCUST_STATE_READY && st != LOCUST_STATE_STOPPED) || (s && s->running);
}

int locust_runner_set_shape(locust_runner *r, const char *name, locust_shape_fn fn, void *udata)
{
    if (!r) return LOCUST_EINVAL;
    if (busy(r))
        return locust__runner_error(r, LOCUST_ESTATE, "the shape can only be changed while no test runs");
    shape *old = get(r);
    if (old) shape_free(old);
    locust__runner_set_slot(r, LOCUST__SLOT_SHAPE, NULL, NULL);
    if (!fn) return 0;
    shape *s = calloc(1, sizeof *s);
    if (!s) return LOCUST_ENOMEM;
    int err = locust_on(r, LOCUST_EV_TEST_STOP, on_test_stop, s);
    if (err) {
        free(s);
        return err;
    }
    s->r = r;
    snprintf(s->name, sizeof s->name, "%s", name && *name ? name : "shape");
    s->fn = fn;
    s->udata = udata;
    locust__runner_set_slot(r, LOCUST__SLOT_SHAPE, s, shape_free);
    return 0;
}

/* Counts of the named classes by weight (fixed counts first), others 0. */
static int start_classes(locust_runner *r, const locust_shape_tick *t)
{
    size_t n = locust_runner_class_count(r);
    unsigned *counts = calloc(n ? n : 1, sizeof *counts);
    int *w = calloc(n ? n : 1, sizeof *w);
    int err = counts && w ? 0 : LOCUST_ENOMEM;
    size_t picked = 0;
    for (size_t i = 0; !err && i < n; i++) {
        const locust_class *cls = locust_runner_class_at(r, i);
        for (const char *const *c = t->classes; *c; c++)
            if (strcmp(*c, cls->name) == 0) {
                w[i] = cls->weight ? cls->weight : 10;
                picked++;
            }
    }
    if (!err && !picked)
        err = locust__runner_error(r, LOCUST_ENOENT, "the shape names no class of this runner");
    if (!err) err = locust_weight_split(w, n, t->users, counts);
    if (!err) err = locust_runner_start_counts(r, counts, t->spawn_rate);
    free(counts);
    free(w);
    return err;
}

static void end_test(shape *s)
{
    ev_timer_stop(locust__runner_loop(s->r), &s->timer);
    s->running = false;
    locust_log(LOCUST_LOG_INFO, "locust.runners", "Shape test stopping");
    if (s->quit_at_end)
        locust_runner_quit(s->r);
    else
        locust_runner_stop(s->r);
}

/*
 * Writes the tick's class names, one per line, into key; false when they do
 * not fit (the tick then always counts as a change).
 */
static bool classes_key(const locust_shape_tick *t, char *key, size_t cap)
{
    size_t used = 0;
    key[0] = 0;
    for (const char *const *c = t->classes; c && *c; c++) {
        int n = snprintf(key + used, cap - used, "%s\n", *c);
        if (n < 0 || (size_t)n >= cap - used) return false;
        used += (size_t)n;
    }
    return true;
}

static void tick(shape *s)
{
    double run_time = ev_now(locust__runner_loop(s->r)) - s->started;
    locust_shape_tick t = {0};
    if (!s->fn(s->r, run_time, &t, s->udata)) {
        end_test(s);
        return;
    }
    if (!(t.spawn_rate > 0) || !isfinite(t.spawn_rate)) {
        locust_log(LOCUST_LOG_ERROR, "locust.runners",
                   "The shape '%s' asked for a spawn rate of %g: stopping", s->name, t.spawn_rate);
        end_test(s);
        return;
    }
    /* As 2.x: a tick equal to the last one (count, rate and classes) changes nothing. */
    char key[sizeof s->classes];
    bool keyed = classes_key(&t, key, sizeof key);
    if (s->ticked && t.users == s->users && t.spawn_rate == s->rate && keyed && strcmp(key, s->classes) == 0)
        return;
    s->ticked = true;
    snprintf(s->classes, sizeof s->classes, "%s", keyed ? key : "\n");
    s->users = t.users;
    s->rate = t.spawn_rate;
    locust_log(LOCUST_LOG_INFO, "locust.runners", "Shape test updating to %u users at %.2f spawn rate",
               t.users, t.spawn_rate);
    /* On a master too: the class restriction reaches the slaves (locust_runner_start_counts). */
    int err = t.classes ? start_classes(s->r, &t) : locust_runner_start(s->r, t.users, t.spawn_rate);
    if (err)
        locust_log(LOCUST_LOG_ERROR, "locust.runners", "The shape '%s' could not set %u users: %s", s->name,
                   t.users, locust_runner_last_error(s->r));
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    tick(w->data);
}

int locust_runner_shape_start(locust_runner *r, bool quit_at_end)
{
    shape *s = r ? get(r) : NULL;
    if (!s) return r ? locust__runner_error(r, LOCUST_ENOENT, "no shape is set") : LOCUST_EINVAL;
    if (busy(r)) return locust__runner_error(r, LOCUST_ESTATE, "a test is running");
    struct ev_loop *loop = locust__runner_loop(r);
    s->running = true;
    s->quit_at_end = quit_at_end;
    s->ticked = false;
    s->stage = 0;
    ev_now_update(loop);
    s->started = ev_now(loop);
    ev_timer_init(&s->timer, timer_cb, TICK_INTERVAL, TICK_INTERVAL);
    s->timer.data = s;
    ev_timer_start(loop, &s->timer);
    tick(s);
    return 0;
}

int locust_runner_shape_info(const locust_runner *r, locust_shape_info *out)
{
    if (!r || !out) return LOCUST_EINVAL;
    memset(out, 0, sizeof *out);
    shape *s = get(r);
    if (!s) return 0;
    out->configured = true;
    out->running = s->running;
    out->name = s->name;
    out->run_time = s->running ? ev_now(locust__runner_loop((locust_runner *)r)) - s->started : 0;
    out->users = s->users;
    out->spawn_rate = s->rate;
    out->stages = s->n_stages;
    out->stage = s->running && s->stages ? s->stage : 0;
    return 0;
}

/* ---- --stages -------------------------------------------------------------------- */

static bool stages_tick(locust_runner *r, double run_time, locust_shape_tick *out, void *udata)
{
    shape *s = udata;
    double end = 0;
    for (size_t i = 0; i < s->n_stages; i++) {
        end += s->stages[i].duration;
        if (run_time < end) {
            s->stage = i + 1;
            out->users = s->stages[i].users;
            out->spawn_rate = s->stages[i].spawn_rate;
            return true;
        }
    }
    return false;
}

int locust_runner_set_stages(locust_runner *r, const locust_stage *stages, size_t n)
{
    if (!r || !stages || n == 0 || n > LOCUST_MAX_STAGES) return LOCUST_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(stages[i].duration > 0) || !(stages[i].spawn_rate > 0) || !isfinite(stages[i].duration) ||
            !isfinite(stages[i].spawn_rate))
            return locust__runner_error(
                r, LOCUST_EINVAL, "stage %zu: the duration and the spawn rate must be numbers > 0", i + 1);
    locust_stage *copy = malloc(n * sizeof *copy);
    if (!copy) return LOCUST_ENOMEM;
    memcpy(copy, stages, n * sizeof *copy);
    int err = locust_runner_set_shape(r, "stages", stages_tick, NULL);
    if (err) {
        free(copy);
        return err;
    }
    shape *s = get(r);
    s->udata = s;
    s->stages = copy;
    s->n_stages = n;
    return 0;
}

/* Seconds as a number ("90", "2.5") or as 1h2m3s. */
static bool parse_duration(const char *p, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) return false;
    memcpy(buf, p, len);
    buf[len] = 0;
    char *end;
    double v = strtod(buf, &end);
    if (end != buf && !*end) {
        *out = v;
        return isfinite(v) && v > 0;
    }
    double total = 0;
    const char *q = buf;
    while (*q) {
        double part = strtod(q, &end);
        if (end == q || part < 0) return false;
        double unit = *end == 'h' ? 3600 : *end == 'm' ? 60 : *end == 's' ? 1 : 0;
        if (!unit) return false;
        total += part * unit;
        q = end + 1;
    }
    *out = total;
    return total > 0;
}

int locust_stages_parse(const char *spec, locust_stage *out, size_t cap, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    if (!spec || !*spec) {
        snprintf(err, errlen, "no stages given (expected duration:users:spawn_rate,...)");
        return LOCUST_EINVAL;
    }
    const char *p = spec;
    for (size_t i = 1;; i++) {
        size_t len = strcspn(p, ",");
        const char *c1 = memchr(p, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
        locust_stage st = {0};
        char *end;
        bool ok = c1 && c2 && parse_duration(p, (size_t)(c1 - p), &st.duration);
        if (ok) {
            unsigned long long u = strtoull(c1 + 1, &end, 10);
            ok = end == c2 && c1[1] >= '0' && c1[1] <= '9' && u <= LOCUST_MAX_USERS;
            st.users = (unsigned)u;
        }
        if (ok) {
            st.spawn_rate = strtod(c2 + 1, &end);
            ok = end == p + len && st.spawn_rate > 0 && isfinite(st.spawn_rate);
        }
        if (!ok) {
            snprintf(err, errlen,
                     "stage %zu ('%.*s'): expected duration:users:spawn_rate, e.g. 30s:100:10 (a duration "
                     "> 0, a whole number of users, a spawn rate > 0)",
                     i, (int)(len > 64 ? 64 : len), p);
            return LOCUST_EINVAL;
        }
        if (*n >= cap) {
            snprintf(err, errlen, "more than %zu stages", cap);
            return LOCUST_EINVAL;
        }
        out[(*n)++] = st;
        if (!p[len]) return 0;
        p += len + 1;
    }
}
