/*
 * /metrics: the runner's numbers in Prometheus's text exposition format
 * 0.0.4. On a master the statistics are the slaves' merged ones, so the
 * same code serves a single process and a master.
 *
 * Response times become a Prometheus histogram with fixed buckets (in
 * seconds). The buckets are filled from Locust's rounded histogram keys, so
 * a sample lands in the bucket of its rounded value (e.g. 1004 ms is kept
 * as 1000 ms and counts for le="1"); _sum is exact. The precise percentiles
 * come as gauges next to it.
 */
#include <inttypes.h>
#include <locust/locust.h>
#include <locust/report.h>
#include <locust/stats.h>
#include <stdlib.h>

#include "base/base.h"
#include "report/report_internal.h"
#include "stats/stats_internal.h"

static const double bucket_ms[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};
static const char *const bucket_le[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                                        "1",     "2.5",  "5",     "10",   "30",  "60"};
#define NBUCKETS (sizeof bucket_ms / sizeof bucket_ms[0])

/* A label value: valid UTF-8 (names come from the network), backslash, double quote and newline escaped. */
static void label(FILE *f, const char *raw)
{
    char *tmp = NULL;
    for (const char *s = locust__utf8_clean(raw, &tmp); s && *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    free(tmp);
}

static void labels(FILE *f, const locust__entry *e)
{
    fputs("{method=\"", f);
    label(f, e->method ? e->method : "");
    fputs("\",name=\"", f);
    label(f, e->method ? e->name : "Aggregated");
    fputc('"', f);
}

static void counters(FILE *f, const locust_stats *s)
{
    fputs("# HELP locust_requests_total Requests made (successful and failed).\n"
          "# TYPE locust_requests_total counter\n",
          f);
    for (size_t i = 0; i <= s->n; i++) {
        const locust__entry *e = i < s->n ? s->entries[i] : &s->total;
        fputs("locust_requests_total", f);
        labels(f, e);
        fprintf(f, "} %" PRIu64 "\n", e->num_requests + e->num_failures);
    }
    fputs("# HELP locust_request_failures_total Failed requests.\n"
          "# TYPE locust_request_failures_total counter\n",
          f);
    for (size_t i = 0; i <= s->n; i++) {
        const locust__entry *e = i < s->n ? s->entries[i] : &s->total;
        fputs("locust_request_failures_total", f);
        labels(f, e);
        fprintf(f, "} %" PRIu64 "\n", e->num_failures);
    }
}

static void histograms(FILE *f, const locust_stats *s)
{
    fputs("# HELP locust_response_time_seconds Response times of successful requests.\n"
          "# TYPE locust_response_time_seconds histogram\n",
          f);
    for (size_t i = 0; i <= s->n; i++) {
        const locust__entry *e = i < s->n ? s->entries[i] : &s->total;
        uint64_t counts[NBUCKETS] = {0};
        size_t pos = 0;
        int64_t key;
        uint64_t count;
        while (locust__hist_next(&e->hist, &pos, &key, &count))
            for (size_t b = 0; b < NBUCKETS; b++)
                if ((double)key <= bucket_ms[b]) counts[b] += count;
        for (size_t b = 0; b < NBUCKETS; b++) {
            fputs("locust_response_time_seconds_bucket", f);
            labels(f, e);
            fprintf(f, ",le=\"%s\"} %" PRIu64 "\n", bucket_le[b], counts[b]);
        }
        fputs("locust_response_time_seconds_bucket", f);
        labels(f, e);
        fprintf(f, ",le=\"+Inf\"} %" PRIu64 "\n", e->hist.total);
        fputs("locust_response_time_seconds_sum", f);
        labels(f, e);
        fputs("} ", f);
        locust__py_float(f, e->total_response_time / 1000.0);
        fputs("\nlocust_response_time_seconds_count", f);
        labels(f, e);
        fprintf(f, "} %" PRIu64 "\n", e->hist.total);
    }
}

/*
 * The precise percentiles (at most 1% off; the same numbers as the JSON
 * report and the thresholds) as a summary's quantiles (a "quantile" label
 * belongs to a summary: Prometheus's promtool refuses it on a gauge; the
 * sums and counts are the histogram's): time="service" from the moment a
 * request was sent, time="corrected" from the moment its scheduled run
 * (--rate, constant_pacing) was meant to start, only for entries that have
 * such runs. And the scheduled runs dropped.
 */
static void quantiles(FILE *f, const locust_stats *s)
{
    static const double q[] = {0.5, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0};
    static const char *const qs[] = {"0.5", "0.9", "0.95", "0.99", "0.999", "0.9999", "1"};
    static const char *const kinds[] = {"service", "corrected"};
    fputs("# HELP locust_response_time_quantile_seconds Precise percentiles of the response times: "
          "time=\"service\" from the moment a request was sent, time=\"corrected\" from the moment its "
          "scheduled run was meant to start.\n"
          "# TYPE locust_response_time_quantile_seconds summary\n",
          f);
    for (size_t i = 0; i <= s->n; i++) {
        const locust__entry *e = i < s->n ? s->entries[i] : &s->total;
        for (int k = 0; k < 2; k++) {
            locust_time_kind kind = k ? LOCUST_TIME_CORRECTED : LOCUST_TIME_SERVICE;
            for (size_t j = 0; j < sizeof q / sizeof q[0]; j++) {
                double v;
                if (!locust_stats_entry_percentile_precise(s, i, kind, q[j], &v)) break;
                fputs("locust_response_time_quantile_seconds", f);
                labels(f, e);
                fprintf(f, ",time=\"%s\",quantile=\"%s\"} ", kinds[k], qs[j]);
                locust__py_float(f, v / 1000.0);
                fputc('\n', f);
            }
        }
    }
    fprintf(f,
            "# HELP locust_dropped_runs_total Scheduled task runs dropped: no free user (--rate), or their "
            "slot passed while a paced user was busy.\n"
            "# TYPE locust_dropped_runs_total counter\nlocust_dropped_runs_total %" PRIu64 "\n",
            locust_stats_dropped_runs(s));
}

int locust_report_prometheus(locust_runner *r, FILE *f)
{
    if (!r || !f) return LOCUST_EINVAL;
    const locust_stats *s = locust_runner_stats(r);
    fprintf(f,
            "# HELP locust_users Running users (on a master: the slaves' sum).\n"
            "# TYPE locust_users gauge\nlocust_users %u\n",
            locust_runner_user_count(r));
    fputs("# HELP locust_state The runner's state: 1 for the current one.\n# TYPE locust_state gauge\n", f);
    locust_runner_state now = locust_runner_state_get(r);
    for (int st = LOCUST_STATE_READY; st <= LOCUST_STATE_STOPPED; st++)
        fprintf(f, "locust_state{state=\"%s\"} %d\n", locust_runner_state_name((locust_runner_state)st),
                st == (int)now);
    locust_entry_info tot;
    if (locust_stats_total(s, &tot) == 0) {
        fputs("# HELP locust_current_rps Requests per second over the last seconds (Total).\n"
              "# TYPE locust_current_rps gauge\nlocust_current_rps ",
              f);
        locust__py_float(f, tot.current_rps);
        fputs("\n# HELP locust_current_fail_per_sec Failures per second over the last seconds (Total).\n"
              "# TYPE locust_current_fail_per_sec gauge\nlocust_current_fail_per_sec ",
              f);
        double fail_per_sec = 0;
        locust_stats_fail_rates(s, s->n, &fail_per_sec, NULL);
        locust__py_float(f, fail_per_sec);
        fputc('\n', f);
    }
    counters(f, s);
    histograms(f, s);
    quantiles(f, s);
    return ferror(f) ? LOCUST_EIO : 0;
}
