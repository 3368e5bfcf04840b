/*
 * The open model's console block: the schedule's figures (target and
 * achieved rate, dropped runs, how late runs started) and the precise
 * percentiles of every entry, service time and corrected time on two
 * labelled rows. 0.9.0's tables above it are unchanged.
 */
#include "openmodel.h"

#include <locust/stats.h>

static const double PCTS[] = {0.5, 0.9, 0.99, 0.999, 0.9999, 1.0};
#define NPCTS (sizeof(PCTS) / sizeof(PCTS[0]))
/* Width of the name column, in characters. */
#define NAME_COLUMN 36

static void print_row(FILE *out, const locust_stats *s, size_t i, const char *label, const char *method,
                      const char *name, locust_time_kind kind)
{
    uint64_t n = locust_stats_entry_sample_count(s, i, kind);
    if (!n) return;
    /* Names and methods may come from slaves or scenarios as any bytes: shown as valid UTF-8, in a
     * column NAME_COLUMN characters wide (cut after a whole character, never inside one). */
    char m[32], nm[256], what[sizeof m + sizeof nm];
    locust_utf8_copy(m, sizeof m, method ? method : "");
    locust_utf8_copy(nm, sizeof nm, name);
    snprintf(what, sizeof what, "%s %s", m, nm);
    size_t end = 0, chars = 0;
    for (; what[end]; end++) {
        bool starts_char = ((unsigned char)what[end] & 0xc0) != 0x80;
        if (starts_char && chars == NAME_COLUMN) break;
        chars += starts_char;
    }
    what[end] = '\0';
    fprintf(out, " %s%*s %-10s %10llu", what, (int)(NAME_COLUMN - chars), "", label, (unsigned long long)n);
    for (size_t k = 0; k < NPCTS; k++) {
        double v = 0;
        locust_stats_entry_percentile_precise(s, i, kind, PCTS[k], &v);
        fprintf(out, " %9.2f", v);
    }
    fputc('\n', out);
}

void cli_print_open_model(locust_runner *r, FILE *out)
{
    const locust_stats *s = locust_runner_stats(r);
    locust_rate_info ri;
    bool rate = locust_runner_rate(r) > 0;
    fprintf(out, rate ? "Open model (--rate):" : "Scheduled runs (constant_pacing/constant_throughput):");
    if (locust_runner_rate_info(r, &ri) == 0 && ri.started + ri.dropped > 0)
        fprintf(out,
                " target %.1f runs/s, achieved %.1f runs/s, %llu started, pool %u/%u users, start lateness "
                "p50 %.3f ms p99 %.3f ms max %.3f ms;",
                ri.target_rate, ri.achieved_rate, (unsigned long long)ri.started, ri.pool_size, ri.pool_max,
                ri.late_p50_ms, ri.late_p99_ms, ri.late_max_ms);
    fprintf(out, " %llu runs dropped (%s)\n", (unsigned long long)locust_stats_dropped_runs(s),
            rate ? "no free user" : "slots passed while the user was busy");
    fprintf(out, " %-*s %-10s %10s %9s %9s %9s %9s %9s %9s\n", NAME_COLUMN, "Name", "time (ms)", "# samples",
            "50%", "90%", "99%", "99.9%", "99.99%", "100%");
    size_t n = locust_stats_entry_count(s);
    for (size_t i = 0; i <= n; i++) {
        locust_entry_info e;
        if (locust_stats_entry(s, i, &e)) continue;
        const char *name = i == n ? "Total" : e.name;
        print_row(out, s, i, "service", e.method, name, LOCUST_TIME_SERVICE);
        print_row(out, s, i, "corrected", e.method, name, LOCUST_TIME_CORRECTED);
    }
    fputc('\n', out);
}

bool cli_open_model_shown(locust_runner *r)
{
    const locust_stats *s = locust_runner_stats(r);
    return locust_runner_rate(r) > 0 || locust_stats_dropped_runs(s) > 0 ||
           locust_stats_entry_sample_count(s, locust_stats_entry_count(s), LOCUST_TIME_CORRECTED) > 0;
}
