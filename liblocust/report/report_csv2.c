/*
 * Locust 2.x's CSV files, as 2.12's StatsCSVFileWriter writes them with
 * Python's csv module (CRLF line ends, minimal quoting, repr() floats):
 * BASE_stats_history.csv, BASE_failures.csv and BASE_exceptions.csv.
 *
 * Where 0.9's numbers and 2.x's differ in meaning, the columns keep 2.x's:
 * "Total Request Count" counts failed requests too, and the Total is named
 * "Aggregated" with an empty type. Averages and percentiles are over the
 * successful requests, as everywhere in liblocust (0.9 does not time
 * failures).
 */
#include <inttypes.h>
#include <locust/locust.h>
#include <locust/report.h>
#include <math.h>
#include <string.h>

#include "report/report_internal.h"

static const double percentiles[] = {0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0};
static const char *const percentile_names[] = {"50%", "66%", "75%",   "80%",    "90%", "95%",
                                               "98%", "99%", "99.9%", "99.99%", "100%"};
#define NPCT (sizeof percentiles / sizeof percentiles[0])

static int finish(FILE *f)
{
    return ferror(f) ? LOCUST_EIO : 0;
}

int locust_csv2_history_header(FILE *f)
{
    if (!f) return LOCUST_EINVAL;
    fputs("Timestamp,User Count,Type,Name,Requests/s,Failures/s", f);
    for (size_t i = 0; i < NPCT; i++)
        fprintf(f, ",%s", percentile_names[i]);
    fputs(",Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response "
          "Time,Total Min Response Time,Total Max Response Time,Total Average Content Size\r\n",
          f);
    return finish(f);
}

/* A float of 2.x's that starts as the int 0 ("min_response_time or 0", "max_response_time = 0"). */
static void float_or_zero(FILE *f, bool set, double v)
{
    if (set)
        locust__py_float(f, v);
    else
        fputc('0', f);
}

static void history_row(FILE *f, const locust_stats *s, size_t i, bool is_total, bool current,
                        const locust_entry_info *e, int64_t ts, unsigned users)
{
    fprintf(f, "%" PRId64 ",%u,", ts, users);
    locust__csv_field(f, is_total ? "" : e->method);
    fputc(',', f);
    locust__csv_field(f, is_total ? "Aggregated" : e->name);
    double fail_per_sec = 0;
    locust_stats_fail_rates(s, i, &fail_per_sec, NULL);
    fprintf(f, ",%2f,%2f", e->current_rps, fail_per_sec);
    for (size_t k = 0; k < NPCT; k++) {
        double v = 0;
        if (!e->num_requests) {
            fputs(",N/A", f);
            continue;
        }
        /* 2.x's full history uses the current (last ~10 s) percentiles, which only the Total keeps here. */
        bool ok = current && is_total ? locust_stats_current_percentile(s, percentiles[k], &v)
                                      : locust_stats_percentile(s, i, percentiles[k], &v);
        fprintf(f, ",%" PRId64, ok ? (int64_t)v : 0);
    }
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",", e->num_requests + e->num_failures, e->num_failures);
    /* As 2.x's types: the median is an int, the average always a float, min, max and size floats once set. */
    fprintf(f, "%" PRId64 ",", (int64_t)e->median_response_time);
    locust__py_float(f, e->avg_response_time);
    fputc(',', f);
    float_or_zero(f, e->has_min, e->min_response_time);
    fputc(',', f);
    float_or_zero(f, e->num_requests > 0, e->max_response_time);
    fputc(',', f);
    float_or_zero(f, e->num_requests > 0, e->avg_content_length);
    fputs("\r\n", f);
}

int locust_csv2_history_rows(locust_runner *r, double now, bool full, FILE *f)
{
    if (!r || !f) return LOCUST_EINVAL;
    const locust_stats *s = locust_runner_stats(r);
    size_t n = locust_stats_entry_count(s);
    unsigned users = locust_runner_user_count(r);
    locust_entry_info e;
    for (size_t i = 0; full && i < n; i++)
        if (locust_stats_entry(s, i, &e) == 0) history_row(f, s, i, false, true, &e, (int64_t)now, users);
    if (locust_stats_total(s, &e) == 0) history_row(f, s, n, true, full, &e, (int64_t)now, users);
    return finish(f);
}

int locust_csv2_failures(const locust_stats *s, FILE *f)
{
    if (!s || !f) return LOCUST_EINVAL;
    fputs("Method,Name,Error,Occurrences\r\n", f);
    size_t n = locust_stats_error_count(s);
    for (size_t i = 0; i < n; i++) {
        locust_error_info e;
        if (locust_stats_error(s, i, &e)) continue;
        locust__csv_field(f, e.method);
        fputc(',', f);
        locust__csv_field(f, e.name);
        fputc(',', f);
        locust__csv_field(f, e.error);
        fprintf(f, ",%" PRIu64 "\r\n", e.occurrences);
    }
    return finish(f);
}

int locust_csv2_exceptions(const locust_runner *r, FILE *f)
{
    if (!r || !f) return LOCUST_EINVAL;
    fputs("Count,Message,Traceback,Nodes\r\n", f);
    size_t n = locust_runner_exception_count(r);
    for (size_t i = 0; i < n; i++) {
        locust_exception_info x;
        if (locust_runner_exception(r, i, &x)) continue;
        fprintf(f, "%" PRIu64 ",", x.count);
        locust__csv_field(f, x.msg);
        fputc(',', f);
        locust__csv_field(f, x.traceback);
        fputc(',', f);
        locust__csv_field(f, x.nodes);
        fputs("\r\n", f);
    }
    return finish(f);
}
