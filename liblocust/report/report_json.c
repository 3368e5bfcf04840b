/*
 * The JSON summary of a run (--json, --json-file; schema version
 * LOCUST_REPORT_JSON_VERSION, described in locust-run(1)), and the data the
 * HTML report embeds, which is the same document plus the history.
 */
#include <inttypes.h>
#include <locust/locust.h>
#include <locust/report.h>
#include <locust/stats.h>
#include <math.h>
#include <string.h>

#include "base/base.h"
#include "report/report_internal.h"

static const double pcts[] = {0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0};
static const char *const pct_keys[] = {"p50", "p66", "p75",   "p80",    "p90", "p95",
                                       "p98", "p99", "p99.9", "p99.99", "p100"};

/* The precise histograms' percentiles (locust_stats_entry_percentile_precise()). */
static const double precise_pcts[] = {0.50, 0.90, 0.95, 0.99, 0.999, 0.9999, 1.0};
static const char *const precise_keys[] = {"p50", "p90", "p95", "p99", "p99.9", "p99.99", "p100"};

static void key(FILE *f, const char *k, bool *first)
{
    if (!*first) fputc(',', f);
    *first = false;
    locust__json_string(f, k);
    fputc(':', f);
}

static void kv_str(FILE *f, const char *k, const char *v, bool *first)
{
    key(f, k, first);
    if (v)
        locust__json_string(f, v);
    else
        fputs("null", f);
}

static void kv_num(FILE *f, const char *k, double v, bool *first)
{
    key(f, k, first);
    locust__json_number(f, v);
}

/*
 * The precise percentiles of one kind of time (service: from the moment a
 * request was sent; corrected: from the moment its scheduled run was meant
 * to start), with their sample count; null when there is no sample.
 */
static void precise_json(FILE *f, const locust_stats *s, size_t i, const char *name, locust_time_kind kind,
                         bool *first)
{
    key(f, name, first);
    uint64_t n = locust_stats_entry_sample_count(s, i, kind);
    if (!n) {
        fputs("null", f);
        return;
    }
    bool pf = true;
    fputc('{', f);
    kv_num(f, "samples", (double)n, &pf);
    for (size_t k = 0; k < sizeof precise_pcts / sizeof precise_pcts[0]; k++) {
        double v;
        kv_num(f, precise_keys[k],
               locust_stats_entry_percentile_precise(s, i, kind, precise_pcts[k], &v) ? v : NAN, &pf);
    }
    fputc('}', f);
}

static void entry_json(FILE *f, const locust_stats *s, size_t i)
{
    locust_entry_info e;
    if (locust_stats_entry(s, i, &e)) {
        fputs("null", f);
        return;
    }
    bool first = true;
    fputc('{', f);
    kv_str(f, "method", e.method, &first);
    kv_str(f, "name", e.name, &first);
    kv_num(f, "num_requests", (double)e.num_requests, &first);
    kv_num(f, "num_failures", (double)e.num_failures, &first);
    kv_num(f, "min_response_time", e.has_min ? e.min_response_time : NAN, &first);
    kv_num(f, "avg_response_time", e.avg_response_time, &first);
    kv_num(f, "max_response_time", e.max_response_time, &first);
    kv_num(f, "median_response_time", e.median_response_time, &first);
    kv_num(f, "total_rps", e.total_rps, &first);
    double fail_per_sec = 0;
    locust_stats_fail_rates(s, i, NULL, &fail_per_sec);
    kv_num(f, "total_fail_per_sec", fail_per_sec, &first);
    kv_num(f, "current_rps", e.current_rps, &first);
    kv_num(f, "fail_ratio", e.fail_ratio, &first);
    kv_num(f, "avg_content_length", e.avg_content_length, &first);
    kv_num(f, "total_content_length", (double)e.total_content_length, &first);
    key(f, "percentiles", &first);
    fputc('{', f);
    bool pf = true;
    for (size_t k = 0; k < sizeof pcts / sizeof pcts[0]; k++) {
        double v;
        kv_num(f, pct_keys[k], locust_stats_percentile(s, i, pcts[k], &v) ? v : NAN, &pf);
    }
    fputc('}', f);
    precise_json(f, s, i, "service_time", LOCUST_TIME_SERVICE, &first);
    precise_json(f, s, i, "corrected_time", LOCUST_TIME_CORRECTED, &first);
    fputc('}', f);
}

/* The open model's figures: the rate (0 in the closed model), the dropped runs and the schedule's own. */
static void open_model_json(FILE *f, locust_runner *r, bool *first)
{
    key(f, "open_model", first);
    bool of = true;
    fputc('{', f);
    kv_num(f, "rate", locust_runner_rate(r), &of);
    kv_num(f, "dropped_runs", (double)locust_stats_dropped_runs(locust_runner_stats(r)), &of);
    locust_rate_info ri;
    if (locust_runner_rate_info(r, &ri) == 0 && ri.started + ri.dropped > 0) {
        kv_num(f, "achieved_rate", ri.achieved_rate, &of);
        kv_num(f, "started_runs", (double)ri.started, &of);
        kv_num(f, "late_p50_ms", ri.late_p50_ms, &of);
        kv_num(f, "late_p99_ms", ri.late_p99_ms, &of);
        kv_num(f, "late_max_ms", ri.late_max_ms, &of);
    }
    fputc('}', f);
}

static void thresholds_json(FILE *f, const locust_report_settings *st)
{
    fputc('[', f);
    for (size_t i = 0; st && i < st->n_thresholds; i++) {
        const locust_threshold *t = &st->thresholds[i];
        static const char *const ops[] = {"", "<", "<=", ">", ">=", "=="};
        char metric[16];
        bool first = true;
        fputs(i ? ",{" : "{", f);
        kv_str(f, "expression", t->expr, &first);
        kv_str(f, "method", t->method[0] ? t->method : NULL, &first);
        kv_str(f, "name", t->name[0] ? t->name : "Total", &first);
        kv_str(f, "metric", locust_threshold_metric_name(t, metric, sizeof metric), &first);
        kv_str(f, "op", t->cmp >= LOCUST_CMP_LT && t->cmp <= LOCUST_CMP_EQ ? ops[t->cmp] : "", &first);
        kv_num(f, "limit", t->limit, &first);
        kv_num(f, "value", t->has_value ? t->value : NAN, &first);
        key(f, "passed", &first);
        fputs(t->passed ? "true}" : "false}", f);
    }
    fputc(']', f);
}

static void history_json(FILE *f, const locust_history *h)
{
    fputc('[', f);
    size_t n = locust_history_count(h);
    for (size_t i = 0; i < n; i++) {
        const locust_history_sample *p = locust_history_get(h, i);
        bool first = true;
        fputs(i ? ",{" : "{", f);
        kv_num(f, "time", p->time, &first);
        kv_num(f, "user_count", p->user_count, &first);
        kv_num(f, "current_rps", p->current_rps, &first);
        kv_num(f, "current_fail_per_sec", p->current_fail_per_sec, &first);
        kv_num(f, "response_time_percentile_50", p->current_p50, &first);
        kv_num(f, "response_time_percentile_95", p->current_p95, &first);
        kv_num(f, "num_requests", (double)p->num_requests, &first);
        kv_num(f, "num_failures", (double)p->num_failures, &first);
        kv_num(f, "dropped_runs", (double)p->dropped_runs, &first);
        kv_num(f, "corrected_response_time_percentile_99", p->corrected_p99, &first);
        fputc('}', f);
    }
    fputc(']', f);
}

/* The summary document; with `history`, also the runner's history (for the HTML report). */
int locust__report_json_doc(locust_runner *r, const locust_report_settings *st, bool history, FILE *f)
{
    if (!r || !f) return LOCUST_EINVAL;
    const locust_stats *s = locust_runner_stats(r);
    locust_report_settings none = {0};
    if (!st) st = &none;
    double end = st->end_time > 0 ? st->end_time : locust__now();
    double start = st->start_time > 0 ? st->start_time : locust_stats_start_time(s);
    bool first = true;
    fputc('{', f);
    kv_num(f, "version", LOCUST_REPORT_JSON_VERSION, &first);
    kv_str(f, "generator", "liblocust", &first);
    kv_str(f, "liblocust_version", locust_version(), &first);
    key(f, "settings", &first);
    bool sf = true;
    fputc('{', f);
    kv_str(f, "locustfile", st->locustfile, &sf);
    kv_str(f, "host", st->host, &sf);
    kv_num(f, "users", st->users, &sf);
    kv_num(f, "spawn_rate", st->spawn_rate, &sf);
    kv_str(f, "run_time", st->run_time, &sf);
    kv_str(f, "command_line", st->command_line, &sf);
    fputc('}', f);
    kv_num(f, "start_time", start > 0 ? start : NAN, &first);
    kv_num(f, "end_time", end, &first);
    kv_num(f, "duration", start > 0 && end > start ? end - start : 0, &first);
    kv_str(f, "state", locust_runner_state_name(locust_runner_state_get(r)), &first);
    kv_num(f, "user_count", locust_runner_user_count(r), &first);
    key(f, "entries", &first);
    fputc('[', f);
    size_t n = locust_stats_entry_count(s);
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', f);
        entry_json(f, s, i);
    }
    fputc(']', f);
    key(f, "total", &first);
    entry_json(f, s, n);
    open_model_json(f, r, &first);
    key(f, "failures", &first);
    fputc('[', f);
    size_t ne = locust_stats_error_count(s);
    for (size_t i = 0; i < ne; i++) {
        locust_error_info e;
        if (locust_stats_error(s, i, &e)) continue;
        bool ef = true;
        fputs(i ? ",{" : "{", f);
        kv_str(f, "method", e.method, &ef);
        kv_str(f, "name", e.name, &ef);
        kv_str(f, "error", e.error, &ef);
        kv_num(f, "occurrences", (double)e.occurrences, &ef);
        fputc('}', f);
    }
    fputc(']', f);
    key(f, "exceptions", &first);
    fputc('[', f);
    size_t nx = locust_runner_exception_count(r);
    for (size_t i = 0; i < nx; i++) {
        locust_exception_info x;
        if (locust_runner_exception(r, i, &x)) continue;
        bool xf = true;
        fputs(i ? ",{" : "{", f);
        kv_num(f, "count", (double)x.count, &xf);
        kv_str(f, "message", x.msg, &xf);
        kv_str(f, "traceback", x.traceback, &xf);
        kv_str(f, "nodes", x.nodes, &xf);
        fputc('}', f);
    }
    fputc(']', f);
    key(f, "thresholds", &first);
    thresholds_json(f, st);
    bool passed = true;
    for (size_t i = 0; i < st->n_thresholds; i++)
        passed = passed && st->thresholds[i].passed;
    key(f, "thresholds_passed", &first);
    fputs(passed ? "true" : "false", f);
    if (history) {
        key(f, "history", &first);
        history_json(f, locust_runner_history(r));
    }
    fputc('}', f);
    return ferror(f) ? LOCUST_EIO : 0;
}

int locust_report_json(locust_runner *r, const locust_report_settings *st, FILE *f)
{
    int rc = locust__report_json_doc(r, st, false, f);
    if (rc == 0) fputc('\n', f);
    return rc ? rc : ferror(f) ? LOCUST_EIO : 0;
}
