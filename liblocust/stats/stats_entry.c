/*
 * One statistics entry (0.9.0's StatsEntry): its counters, histogram and
 * per-second ring, reset, extend (merge) and the derived values of spec
 * §3.5. The table that holds entries is in stats.c.
 */
#include "stats/stats_internal.h"

#include "base/base.h"

#include <stdlib.h>
#include <string.h>

void locust__entry_reset(locust__entry *e, double now)
{
    e->num_requests = 0;
    e->num_failures = 0;
    e->total_response_time = 0;
    e->min_response_time = 0;
    e->has_min = false;
    e->max_response_time = 0;
    e->total_content_length = 0;
    e->start_time = now;
    e->last_request_timestamp = locust__whole_seconds(now);
    e->last_activity = 0;
    locust__hist_clear(&e->hist);
    locust__hdr_clear(&e->precise);
    locust__hdr_clear(&e->corrected);
    e->dropped_runs = 0;
    for (size_t i = 0; i < LOCUST__SECS; i++)
        e->secs[i] = (locust__sec){LOCUST__SEC_NONE, 0, 0};
}

int locust__entry_init(locust__entry *e, const char *name, const char *method, double now)
{
    memset(e, 0, sizeof(*e));
    locust__hist_init(&e->hist);
    locust__hdr_init(&e->precise);
    locust__hdr_init(&e->corrected);
    e->name = locust__strdup(name);
    e->method = method ? locust__strdup(method) : NULL;
    if (!e->name || (method && !e->method)) {
        free(e->name);
        free(e->method);
        return LOCUST_ENOMEM;
    }
    locust__entry_reset(e, now);
    return 0;
}

void locust__entry_fini(locust__entry *e)
{
    free(e->name);
    free(e->method);
    locust__hist_free(&e->hist);
    locust__hdr_free(&e->precise);
    locust__hdr_free(&e->corrected);
}

locust__entry *locust__entry_new(const char *name, const char *method, double now)
{
    locust__entry *e = malloc(sizeof(*e));
    if (!e) return NULL;
    if (locust__entry_init(e, name, method, now)) {
        free(e);
        return NULL;
    }
    return e;
}

void locust__entry_free(locust__entry *e)
{
    if (!e) return;
    locust__entry_fini(e);
    free(e);
}

locust__entry *locust__entry_clone(const locust__entry *src)
{
    locust__entry *e = locust__entry_new(src->name, src->method, src->start_time);
    if (!e) return NULL;
    /* Copy every field but keep the entry's own strings and histogram memory. */
    char *name = e->name, *method = e->method;
    locust__hist hist = e->hist;
    locust__hdr precise = e->precise, corrected = e->corrected;
    *e = *src;
    e->name = name;
    e->method = method;
    e->hist = hist;
    e->precise = precise;
    e->corrected = corrected;
    if (!locust__hist_copy(&e->hist, &src->hist) || !locust__hdr_copy(&e->precise, &src->precise) ||
        !locust__hdr_copy(&e->corrected, &src->corrected)) {
        locust__entry_free(e);
        return NULL;
    }
    return e;
}

void locust__entry_add_sec(locust__entry *e, int64_t t, uint64_t ok, uint64_t fail)
{
    locust__sec *sec = &e->secs[(uint64_t)t & (LOCUST__SECS - 1)];
    if (sec->t == t) {
        sec->ok = locust__sat_add(sec->ok, ok);
        sec->fail = locust__sat_add(sec->fail, fail);
    } else if (sec->t == LOCUST__SEC_NONE || sec->t < t) {
        /* The slot's second is at least LOCUST__SECS older: nothing reads it any more. */
        *sec = (locust__sec){t, ok, fail};
    }
    /* Otherwise `t` is older than the ring holds, so it is past every window. */
}

static uint64_t sec_ok(const locust__entry *e, int64_t t)
{
    const locust__sec *sec = &e->secs[(uint64_t)t & (LOCUST__SECS - 1)];
    return sec->t == t ? sec->ok : 0;
}

static uint64_t sec_fail(const locust__entry *e, int64_t t)
{
    const locust__sec *sec = &e->secs[(uint64_t)t & (LOCUST__SECS - 1)];
    return sec->t == t ? sec->fail : 0;
}

/* The seconds current_rps averages: start .. L-3 with start = max(L-12, int(S)). */
static void current_window(const locust_stats *s, int64_t *start, int64_t *end)
{
    int64_t L = s->total.last_request_timestamp;
    *start = L - 12;
    if (locust__whole_seconds(s->start_time) > *start) *start = locust__whole_seconds(s->start_time);
    *end = L - 2;
}

void locust__entry_fail_rates(const locust_stats *s, const locust__entry *e, double *current, double *total)
{
    int64_t start, end, len = 0;
    uint64_t fails = 0;
    current_window(s, &start, &end);
    for (int64_t t = start; t < end; t++, len++)
        fails += sec_fail(e, t);
    *current = (double)fails / (double)(len > 1 ? len : 1);
    *total = 0;
    int64_t L = s->total.last_request_timestamp;
    if (L && s->start_time != 0) {
        double span = (double)L - s->start_time;
        *total = (double)e->num_failures / (span > 1 ? span : 1);
    }
}

void locust__entry_extend(locust__entry *into, const locust__entry *from)
{
    if (from->last_request_timestamp > into->last_request_timestamp)
        into->last_request_timestamp = from->last_request_timestamp;
    if (from->start_time < into->start_time) into->start_time = from->start_time;
    if (from->last_activity > into->last_activity) into->last_activity = from->last_activity;
    into->num_requests = locust__sat_add(into->num_requests, from->num_requests);
    into->num_failures = locust__sat_add(into->num_failures, from->num_failures);
    into->total_response_time = locust__sat_add_rt(into->total_response_time, from->total_response_time);
    if (from->max_response_time > into->max_response_time) into->max_response_time = from->max_response_time;
    /*
     * 0.9.0 computes `min(self or 0, other or 0) or other`, which drops the
     * minimum whenever the merged side had no successes. The minimum of the
     * values present is what the number means.
     */
    if (from->has_min && (!into->has_min || from->min_response_time < into->min_response_time)) {
        into->min_response_time = from->min_response_time;
        into->has_min = true;
    }
    into->total_content_length = locust__sat_add(into->total_content_length, from->total_content_length);
    locust__hist_merge(&into->hist, &from->hist);
    /* Out of memory leaves samples counted but unplaced; nothing else can be done here. */
    locust__hdr_merge(&into->precise, &from->precise);
    locust__hdr_merge(&into->corrected, &from->corrected);
    into->dropped_runs = locust__sat_add(into->dropped_runs, from->dropped_runs);
    for (size_t i = 0; i < LOCUST__SECS; i++) {
        const locust__sec *sec = &from->secs[i];
        if (sec->t != LOCUST__SEC_NONE) locust__entry_add_sec(into, sec->t, sec->ok, sec->fail);
    }
}

void locust__entry_info(const locust_stats *s, const locust__entry *e, locust_entry_info *out)
{
    memset(out, 0, sizeof(*out));
    out->method = e->method;
    out->name = e->name;
    out->num_requests = e->num_requests;
    out->num_failures = e->num_failures;
    out->total_response_time = e->total_response_time;
    out->min_response_time = e->has_min ? e->min_response_time : 0;
    out->has_min = e->has_min;
    out->max_response_time = e->max_response_time;
    out->total_content_length = e->total_content_length;
    out->start_time = e->start_time;
    out->last_request_timestamp = e->last_request_timestamp;
    if (e->num_requests) {
        out->avg_response_time = e->total_response_time / (double)e->num_requests;
        out->avg_content_length = (double)e->total_content_length / (double)e->num_requests;
    }
    int64_t median;
    if (locust__hist_median(&e->hist, e->num_requests, &median)) out->median_response_time = (double)median;
    uint64_t attempts = e->num_requests + e->num_failures;
    if (attempts) out->fail_ratio = (double)e->num_failures / (double)attempts;

    /*
     * Both rates use L = the Total's last_request_timestamp and S = the
     * table's start_time (docs/compatibility.md §3.5). current_rps averages the seconds
     * start .. L-3 with start = max(L-12, int(S)): the window follows the
     * last request, not the clock.
     */
    int64_t L = s->total.last_request_timestamp;
    double S = s->start_time;
    int64_t start, end;
    current_window(s, &start, &end);
    uint64_t sum = 0;
    int64_t len = 0;
    for (int64_t t = start; t < end; t++, len++)
        sum += sec_ok(e, t);
    out->current_rps = (double)sum / (double)(len > 1 ? len : 1);
    if (L && S != 0) {
        double span = (double)L - S;
        out->total_rps = (double)e->num_requests / (span > 1 ? span : 1);
    }
}
