/*
 * BASE_scheduled_history.csv: the scheduled runs over time (--rate,
 * constant_pacing/constant_throughput users), next to 2.x's
 * BASE_stats_history.csv rather than in it, so that 2.x's file stays byte
 * for byte what 2.x tools read. A row per interval for the Aggregated (and
 * with --csv-full-history one per entry before it): the target rate, the
 * runs dropped so far, and the precise percentiles so far of the service
 * time (from the moment a request was sent) and of the corrected time (from
 * the moment its run was meant to start). CRLF line ends and quoting as the
 * 2.x files.
 */
#include <inttypes.h>
#include <locust/locust.h>
#include <locust/report.h>
#include <locust/stats.h>

#include "report/report_internal.h"

static const double pcts[] = {0.50, 0.90, 0.99, 0.999, 1.0};
static const char *const pct_names[] = {"50%", "90%", "99%", "99.9%", "100%"};
#define NPCT (sizeof pcts / sizeof pcts[0])

int locust_csv_scheduled_header(FILE *f)
{
    if (!f) return LOCUST_EINVAL;
    fputs("Timestamp,User Count,Type,Name,Target Rate,Runs Dropped,Service Time Samples", f);
    for (size_t k = 0; k < NPCT; k++)
        fprintf(f, ",Service Time %s", pct_names[k]);
    fputs(",Corrected Time Samples", f);
    for (size_t k = 0; k < NPCT; k++)
        fprintf(f, ",Corrected Time %s", pct_names[k]);
    fputs("\r\n", f);
    return ferror(f) ? LOCUST_EIO : 0;
}

static void times(FILE *f, const locust_stats *s, size_t i, locust_time_kind kind)
{
    uint64_t n = locust_stats_entry_sample_count(s, i, kind);
    fprintf(f, ",%" PRIu64, n);
    for (size_t k = 0; k < NPCT; k++) {
        double v;
        if (n && locust_stats_entry_percentile_precise(s, i, kind, pcts[k], &v))
            fprintf(f, ",%.3f", v);
        else
            fputs(",N/A", f);
    }
}

static void row(FILE *f, locust_runner *r, size_t i, bool is_total, const locust_entry_info *e, int64_t ts)
{
    const locust_stats *s = locust_runner_stats(r);
    fprintf(f, "%" PRId64 ",%u,", ts, locust_runner_user_count(r));
    locust__csv_field(f, is_total ? "" : e->method);
    fputc(',', f);
    locust__csv_field(f, is_total ? "Aggregated" : e->name);
    /* The rate and the dropped runs belong to the whole test: on the Aggregated row only. */
    if (is_total)
        fprintf(f, ",%.3f,%" PRIu64, locust_runner_rate(r), locust_stats_dropped_runs(s));
    else
        fputs(",,", f);
    times(f, s, i, LOCUST_TIME_SERVICE);
    times(f, s, i, LOCUST_TIME_CORRECTED);
    fputs("\r\n", f);
}

int locust_csv_scheduled_rows(locust_runner *r, double now, bool full, FILE *f)
{
    if (!r || !f) return LOCUST_EINVAL;
    const locust_stats *s = locust_runner_stats(r);
    size_t n = locust_stats_entry_count(s);
    locust_entry_info e;
    for (size_t i = 0; full && i < n; i++)
        if (locust_stats_entry(s, i, &e) == 0) row(f, r, i, false, &e, (int64_t)now);
    if (locust_stats_total(s, &e) == 0) row(f, r, n, true, &e, (int64_t)now);
    return ferror(f) ? LOCUST_EIO : 0;
}
