/*
 * The statistics table: entries keyed by (name, method) in a hash index,
 * listed in (name, method) order, the Total, the error table and the
 * current-percentile cache, with Locust 0.9.0's rules (docs/compatibility.md §3). One entry's
 * arithmetic is in stats_entry.c, histograms in stats_hist.c, output formats
 * in stats_report.c and the master/slave payloads in stats_wire.c.
 *
 * 0.9.0 semantics are kept on purpose: failures are not counted in
 * num_requests, their response time is ignored, and they never touch the
 * histogram. Two things differ, both to behave correctly where 0.9.0 does
 * not: merging keeps the true minimum response time, and an entry that only
 * the merged side has is taken over as it is (0.9.0 would restart its
 * start_time at the merge).
 */
#include "stats/stats_internal.h"

#include "base/base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double locust__stats_now(const locust_stats *s)
{
    return s->clock ? s->clock(s->clock_udata) : locust__now();
}

/* ---- hashing and ordering ------------------------------------------------ */

static uint64_t fnv(uint64_t h, const char *s)
{
    /* A NULL string (Python None) hashes differently from "". */
    if (!s) return (h ^ 0xffu) * 1099511628211u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (h ^ 0xfeu) * 1099511628211u;
}

static bool same_str(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* Python's tuple order on (name, method), with None sorting before every string. */
static int cmp_key(const char *name1, const char *method1, const char *name2, const char *method2)
{
    int c = strcmp(name1, name2);
    if (c) return c;
    if (!method1 || !method2) return (method1 != NULL) - (method2 != NULL);
    return strcmp(method1, method2);
}

/* ---- the entry index ------------------------------------------------------ */

static locust__entry **index_slot(locust__entry **index, size_t size, const char *name, const char *method)
{
    size_t mask = size - 1;
    size_t i = (size_t)fnv(fnv(14695981039346656037u, name), method) & mask;
    while (index[i] && !(strcmp(index[i]->name, name) == 0 && same_str(index[i]->method, method)))
        i = (i + 1) & mask;
    return &index[i];
}

locust__entry *locust__stats_find_entry(const locust_stats *s, const char *name, const char *method)
{
    if (!s->index_size) return NULL;
    return *index_slot(s->index, s->index_size, name, method);
}

int locust__stats_reserve_entries(locust_stats *s, size_t extra)
{
    size_t need = s->n + extra;
    if (need > s->cap) {
        size_t cap = s->cap ? s->cap : 16;
        while (cap < need)
            cap *= 2;
        locust__entry **entries = realloc(s->entries, cap * sizeof(*entries));
        if (!entries) return LOCUST_ENOMEM;
        s->entries = entries;
        s->cap = cap;
    }
    if (need * 2 > s->index_size) {
        size_t size = s->index_size ? s->index_size : 32;
        while (need * 2 > size)
            size *= 2;
        locust__entry **index = calloc(size, sizeof(*index));
        if (!index) return LOCUST_ENOMEM;
        for (size_t i = 0; i < s->n; i++)
            *index_slot(index, size, s->entries[i]->name, s->entries[i]->method) = s->entries[i];
        free(s->index);
        s->index = index;
        s->index_size = size;
    }
    return 0;
}

void locust__stats_insert_entry(locust_stats *s, locust__entry *e)
{
    if (locust__stats_is_overflow(e->name)) s->noverflow++;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_key(s->entries[mid]->name, s->entries[mid]->method, e->name, e->method) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&s->entries[lo + 1], &s->entries[lo], (s->n - lo) * sizeof(s->entries[0]));
    s->entries[lo] = e;
    s->n++;
    *index_slot(s->index, s->index_size, e->name, e->method) = e;
}

/* The entry a request of (name, method) is counted in: its own, or past the cap its method's overflow one. */
static int get_entry(locust_stats *s, const char *name, const char *method, double now, locust__entry **out)
{
    locust__entry *e = locust__stats_find_entry(s, name, method);
    if (!e && locust__stats_route_entry(s, 0, 0, NULL, NULL, &name, &method))
        e = locust__stats_find_entry(s, name, method);
    if (!e) {
        int err = locust__stats_reserve_entries(s, 1);
        if (err) return err;
        if (!(e = locust__entry_new(name, method, now))) return LOCUST_ENOMEM;
        locust__stats_insert_entry(s, e);
    }
    *out = e;
    return 0;
}

/* ---- the error table ------------------------------------------------------ */

static size_t *error_slot(const locust_stats *s, size_t *index, size_t size, const char *method,
                          const char *name, const char *error)
{
    size_t mask = size - 1;
    size_t i = (size_t)fnv(fnv(fnv(14695981039346656037u, method), name), error) & mask;
    while (index[i]) {
        const locust__error *row = &s->errors[index[i] - 1];
        if (same_str(row->method, method) && strcmp(row->name, name) == 0 && strcmp(row->error, error) == 0)
            break;
        i = (i + 1) & mask;
    }
    return &index[i];
}

locust__error *locust__stats_find_error(const locust_stats *s, const char *method, const char *name,
                                        const char *error)
{
    if (!s->error_index_size) return NULL;
    size_t row = *error_slot(s, s->error_index, s->error_index_size, method, name, error);
    return row ? &s->errors[row - 1] : NULL;
}

int locust__stats_reserve_errors(locust_stats *s, size_t extra)
{
    size_t need = s->nerrors + extra;
    if (need > s->caperrors) {
        size_t cap = s->caperrors ? s->caperrors : 16;
        while (cap < need)
            cap *= 2;
        locust__error *errors = realloc(s->errors, cap * sizeof(*errors));
        if (!errors) return LOCUST_ENOMEM;
        s->errors = errors;
        s->caperrors = cap;
    }
    if (need * 2 > s->error_index_size) {
        size_t size = s->error_index_size ? s->error_index_size : 32;
        while (need * 2 > size)
            size *= 2;
        size_t *index = calloc(size, sizeof(*index));
        if (!index) return LOCUST_ENOMEM;
        for (size_t i = 0; i < s->nerrors; i++) {
            const locust__error *row = &s->errors[i];
            *error_slot(s, index, size, row->method, row->name, row->error) = i + 1;
        }
        free(s->error_index);
        s->error_index = index;
        s->error_index_size = size;
    }
    return 0;
}

void locust__stats_insert_error(locust_stats *s, locust__error *row)
{
    if (locust__stats_is_overflow(row->name) && strcmp(row->error, LOCUST__STATS_OVERFLOW_ERROR) == 0)
        s->nerrors_overflow++;
    s->errors[s->nerrors] = *row;
    *error_slot(s, s->error_index, s->error_index_size, row->method, row->name, row->error) = ++s->nerrors;
    *row = (locust__error){0};
}

void locust__stats_free_error(locust__error *row)
{
    free(row->method);
    free(row->name);
    free(row->error);
}

void locust__stats_clear_errors(locust_stats *s)
{
    for (size_t i = 0; i < s->nerrors; i++)
        locust__stats_free_error(&s->errors[i]);
    s->nerrors = 0;
    s->nerrors_overflow = 0;
    if (s->error_index) memset(s->error_index, 0, s->error_index_size * sizeof(s->error_index[0]));
}

/* ---- the current-percentile cache ---------------------------------------- */

void locust__stats_cache_snapshot(locust_stats *s, int64_t t)
{
    locust__snapshot *snap = NULL;
    for (size_t i = 0; i < s->ncache; i++)
        if (s->cache[i].t == t) snap = &s->cache[i]; /* an OrderedDict update keeps its place */
    if (!snap) {
        if (s->ncache == LOCUST__CACHE_MAX) {
            /* Drop the oldest, recycling its memory for the new snapshot. */
            locust__hist h = s->cache[0].hist;
            memmove(&s->cache[0], &s->cache[1], (LOCUST__CACHE_MAX - 1) * sizeof(s->cache[0]));
            s->cache[LOCUST__CACHE_MAX - 1].hist = h;
            s->ncache--;
        }
        snap = &s->cache[s->ncache++];
    }
    snap->t = t;
    snap->num_requests = s->total.num_requests;
    if (!locust__hist_copy(&snap->hist, &s->total.hist)) {
        /* Out of memory: forget this snapshot; the chart shows no current value for a while. */
        locust__hist h = snap->hist;
        size_t i = (size_t)(snap - s->cache);
        memmove(&s->cache[i], &s->cache[i + 1], (s->ncache - i - 1) * sizeof(s->cache[0]));
        s->cache[--s->ncache].hist = h;
    }
}

void locust__stats_reset_total(locust_stats *s)
{
    double now = locust__stats_now(s);
    locust__entry_reset(&s->total, now);
    s->ncache = 0;
    locust__stats_cache_snapshot(s, locust__whole_seconds(now));
}

bool locust_stats_current_percentile(const locust_stats *s, double p, double *out)
{
    if (!s || !out) return false;
    int64_t t = locust__whole_seconds(locust__stats_now(s));
    /* Preference order t-10, t-10, t-11, t-9, ..., t-18, t-2 (docs/compatibility.md §3.7). */
    for (int64_t i = 0; i < 9; i++) {
        int64_t want[2] = {t - LOCUST__CURRENT_WINDOW - i, t - LOCUST__CURRENT_WINDOW + i};
        for (int k = 0; k < 2; k++) {
            for (size_t j = 0; j < s->ncache; j++) {
                const locust__snapshot *snap = &s->cache[j];
                if (snap->t != want[k]) continue;
                int64_t n = (int64_t)s->total.num_requests - (int64_t)snap->num_requests;
                int64_t key;
                if (!locust__hist_percentile(&s->total.hist, &snap->hist, n, p, &key)) return false;
                *out = (double)key;
                return true;
            }
        }
    }
    return false;
}

/* ---- the table ------------------------------------------------------------ */

int locust_stats_new(locust_stats **out)
{
    if (!out) return LOCUST_EINVAL;
    *out = NULL;
    locust_stats *s = calloc(1, sizeof(*s));
    if (!s) return LOCUST_ENOMEM;
    for (size_t i = 0; i < LOCUST__CACHE_MAX; i++)
        locust__hist_init(&s->cache[i].hist);
    double now = locust__stats_now(s);
    if (locust__entry_init(&s->total, "Total", NULL, now)) {
        free(s);
        return LOCUST_ENOMEM;
    }
    s->start_time = now;
    locust__stats_reset_total(s);
    *out = s;
    return 0;
}

static void free_entries(locust_stats *s)
{
    for (size_t i = 0; i < s->n; i++)
        locust__entry_free(s->entries[i]);
    s->n = 0;
    s->noverflow = 0;
    if (s->index) memset(s->index, 0, s->index_size * sizeof(s->index[0]));
}

void locust_stats_free(locust_stats *s)
{
    if (!s) return;
    free_entries(s);
    free(s->entries);
    free(s->index);
    locust__stats_clear_errors(s);
    free(s->errors);
    free(s->error_index);
    for (size_t i = 0; i < LOCUST__CACHE_MAX; i++)
        locust__hist_free(&s->cache[i].hist);
    locust__entry_fini(&s->total);
    free(s);
}

void locust_stats_set_clock(locust_stats *s, locust_clock_fn fn, void *udata)
{
    if (!s) return;
    s->clock = fn;
    s->clock_udata = fn ? udata : NULL;
}

static bool valid_rt(double rt)
{
    return isfinite(rt) && rt >= 0 && rt <= LOCUST__RT_MAX;
}

int locust_stats_log_success(locust_stats *s, const char *method, const char *name, double response_time_ms,
                             int64_t content_length)
{
    return locust_stats_log_success_scheduled(s, method, name, response_time_ms, -1, content_length);
}

int locust_stats_log_success_scheduled(locust_stats *s, const char *method, const char *name,
                                       double response_time_ms, double corrected_ms, int64_t content_length)
{
    if (!s || !name || !valid_rt(response_time_ms) || content_length < 0) return LOCUST_EINVAL;
    if (!(corrected_ms < 0) && (!valid_rt(corrected_ms) || corrected_ms < response_time_ms))
        return LOCUST_EINVAL;
    double now = locust__stats_now(s);
    int64_t t = locust__whole_seconds(now);
    locust__entry *e;
    int err = get_entry(s, name, method, now, &e);
    if (err) return err;
    /* Entering a new second: snapshot the Total before counting (0.9.0's log()). */
    if (s->total.last_request_timestamp && t > s->total.last_request_timestamp)
        locust__stats_cache_snapshot(s, t - 1);
    int64_t key = locust__rt_key(response_time_ms);
    uint64_t ns = locust__hdr_ns(response_time_ms), corrected_ns = locust__hdr_ns(corrected_ms);
    locust__entry *both[2] = {&s->total, e};
    for (int i = 0; i < 2; i++) {
        locust__entry *x = both[i];
        x->num_requests = locust__sat_add(x->num_requests, 1);
        locust__entry_add_sec(x, t, 1, 0);
        x->last_request_timestamp = t;
        x->last_activity = now;
        x->total_response_time = locust__sat_add_rt(x->total_response_time, response_time_ms);
        if (!x->has_min || response_time_ms < x->min_response_time) x->min_response_time = response_time_ms;
        x->has_min = true;
        if (response_time_ms > x->max_response_time) x->max_response_time = response_time_ms;
        locust__hist_add(&x->hist, key, 1);
        locust__hdr_record(&x->precise, ns, 1);
        if (corrected_ms >= 0) locust__hdr_record(&x->corrected, corrected_ns, 1);
        x->total_content_length = locust__sat_add(x->total_content_length, (uint64_t)content_length);
    }
    return 0;
}

int locust_stats_log_failure(locust_stats *s, const char *method, const char *name, double response_time_ms,
                             const char *error)
{
    (void)response_time_ms; /* 0.9.0 ignores the response time of failures */
    if (!s || !name) return LOCUST_EINVAL;
    /* A missing error is Python's None, whose repr is "None". */
    if (!error) error = "None";
    double now = locust__stats_now(s);
    locust__entry *e;
    int err = get_entry(s, name, method, now, &e);
    if (err) return err;
    /*
     * The row is keyed by the entry the request was counted in, so that
     * past the entry cap the errors of "(other names)" group by their text.
     * Past the error table's cap, a new error counts in its method's
     * overflow row.
     */
    method = e->method;
    name = e->name;
    const char *row_method = method, *row_name = name, *row_error = error;
    locust__error *row = locust__stats_find_error(s, method, name, error);
    if (!row && locust__stats_route_error(s, 0, 0, NULL, NULL, &row_method, &row_name, &row_error))
        row = locust__stats_find_error(s, row_method, row_name, row_error);
    if (!row) {
        locust__error fresh = {row_method ? locust__strdup(row_method) : NULL, locust__strdup(row_name),
                               locust__strdup(row_error), 0};
        if ((row_method && !fresh.method) || !fresh.name || !fresh.error ||
            locust__stats_reserve_errors(s, 1)) {
            locust__stats_free_error(&fresh);
            return LOCUST_ENOMEM;
        }
        locust__stats_insert_error(s, &fresh);
        row = &s->errors[s->nerrors - 1];
    }
    row->occurrences = locust__sat_add(row->occurrences, 1);
    int64_t t = locust__whole_seconds(now);
    locust__entry *both[2] = {&s->total, e};
    for (int i = 0; i < 2; i++) {
        both[i]->num_failures = locust__sat_add(both[i]->num_failures, 1);
        both[i]->last_activity = now;
        locust__entry_add_sec(both[i], t, 0, 1);
    }
    return 0;
}

void locust_stats_reset(locust_stats *s)
{
    if (!s) return;
    double now = locust__stats_now(s);
    s->start_time = now;
    locust__stats_reset_total(s);
    for (size_t i = 0; i < s->n; i++)
        locust__entry_reset(s->entries[i], now);
}

void locust_stats_clear(locust_stats *s)
{
    if (!s) return;
    free_entries(s);
    locust__stats_clear_errors(s);
    locust__stats_reset_total(s);
    s->start_time = 0;
}

void locust_stats_set_start_time(locust_stats *s, double t)
{
    if (s) s->start_time = t;
}

double locust_stats_start_time(const locust_stats *s)
{
    return s ? s->start_time : 0;
}

size_t locust_stats_entry_count(const locust_stats *s)
{
    return s ? s->n : 0;
}

const locust__entry *locust__stats_entry_at(const locust_stats *s, size_t i)
{
    if (!s || i > s->n) return NULL;
    return i == s->n ? &s->total : s->entries[i];
}

int locust_stats_entry(const locust_stats *s, size_t i, locust_entry_info *out)
{
    if (!s || !out) return LOCUST_EINVAL;
    if (i > s->n) return LOCUST_ERANGE;
    locust__entry_info(s, locust__stats_entry_at(s, i), out);
    return 0;
}

int locust_stats_total(const locust_stats *s, locust_entry_info *out)
{
    if (!s || !out) return LOCUST_EINVAL;
    locust__entry_info(s, &s->total, out);
    return 0;
}

int locust_stats_find(const locust_stats *s, const char *name, const char *method, locust_entry_info *out)
{
    if (!s || !name || !out) return LOCUST_EINVAL;
    const locust__entry *e = locust__stats_find_entry(s, name, method);
    if (!e) return LOCUST_ENOENT;
    locust__entry_info(s, e, out);
    return 0;
}

bool locust_stats_percentile(const locust_stats *s, size_t i, double p, double *out)
{
    const locust__entry *e = locust__stats_entry_at(s, i);
    if (!e || !out || e->hist.total == 0) return false;
    int64_t key;
    if (!locust__hist_percentile(&e->hist, NULL, (int64_t)e->num_requests, p, &key)) return false;
    *out = (double)key;
    return true;
}

int locust_stats_fail_rates(const locust_stats *s, size_t i, double *current, double *total)
{
    const locust__entry *e = s ? locust__stats_entry_at(s, i) : NULL;
    if (!e) return LOCUST_EINVAL;
    double c, t;
    locust__entry_fail_rates(s, e, &c, &t);
    if (current) *current = c;
    if (total) *total = t;
    return 0;
}

size_t locust_stats_error_count(const locust_stats *s)
{
    return s ? s->nerrors : 0;
}

int locust_stats_error(const locust_stats *s, size_t i, locust_error_info *out)
{
    if (!s || !out) return LOCUST_EINVAL;
    if (i >= s->nerrors) return LOCUST_ERANGE;
    const locust__error *row = &s->errors[i];
    *out = (locust_error_info){row->method, row->name, row->error, row->occurrences};
    return 0;
}
