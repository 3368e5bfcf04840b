/*
 * Locust 0.9.0's console tables and CSV files, byte for byte (docs/compatibility.md §4.3 and
 * §4.4).
 *
 * Python details reproduced here:
 *  - %d and %i applied to a float truncate toward zero;
 *  - %-Ns pads to N code points (not bytes) and never truncates;
 *  - a None method prints as "None" in the requests CSV;
 *  - the CSV rows are joined with "\n", with no newline after the last one;
 *  - every console line is a logger message, so it ends with "\n".
 */
#include "stats/stats_internal.h"

#include "base/base.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NAME_WIDTH 60
#define RULE_WIDTH (80 + NAME_WIDTH)

/* Python's int() of a float, as %d applies it; clamped where C could not hold the result. */
static int64_t py_int(double v)
{
    if (!(v == v)) return 0;
    if (v >= 9.2e18) return INT64_MAX;
    if (v <= -9.2e18) return INT64_MIN;
    return (int64_t)v;
}

/* Python's "%-Ns" % s: s padded with spaces to n code points. */
static void put_padded(FILE *f, const char *s, size_t width)
{
    fputs(s, f);
    for (size_t len = locust__utf8_len(s); len < width; len++)
        fputc(' ', f);
}

/*
 * Names, methods and errors come from scenarios and slaves as bytes: every
 * table and CSV file writes them as valid UTF-8 (base/utf8.c). Takes a
 * malloc'ed string and returns it, or its sanitized copy (NULL when out of
 * memory).
 */
static char *clean_owned(char *s)
{
    char *tmp;
    if (!s || !locust__utf8_clean(s, &tmp)) {
        free(s);
        return NULL;
    }
    if (!tmp) return s;
    free(s);
    return tmp;
}

/* Writes s as valid UTF-8 (printf's "%s" of a sanitized copy). */
static int put_clean(FILE *f, const char *s)
{
    char *tmp;
    const char *c = locust__utf8_clean(s, &tmp);
    if (!c) return LOCUST_ENOMEM;
    fputs(c, f);
    free(tmp);
    return 0;
}

static void put_rule(FILE *f)
{
    for (int i = 0; i < RULE_WIDTH; i++)
        fputc('-', f);
    fputc('\n', f);
}

/* (method and method + " " or "") + name, as a malloc'ed string of valid UTF-8. */
static char *display_name(const char *method, const char *name)
{
    size_t lm = method && *method ? strlen(method) + 1 : 0, ln = strlen(name);
    char *out = malloc(lm + ln + 1);
    if (!out) return NULL;
    if (lm) {
        memcpy(out, method, lm - 1);
        out[lm - 1] = ' ';
    }
    memcpy(out + lm, name, ln + 1);
    return clean_owned(out);
}

static int finish(FILE *f, int err)
{
    if (err) return err;
    return ferror(f) ? LOCUST_EIO : 0;
}

int locust_stats_print(const locust_stats *s, FILE *f)
{
    if (!s || !f) return LOCUST_EINVAL;
    fputc(' ', f);
    put_padded(f, "Name", NAME_WIDTH);
    fprintf(f, " %7s %12s %7s %7s %7s  | %7s %7s\n", "# reqs", "# fails", "Avg", "Min", "Max", "Median",
            "req/s");
    put_rule(f);
    uint64_t reqs = 0, fails = 0;
    double rps = 0;
    for (size_t i = 0; i < s->n; i++) {
        locust_entry_info e;
        locust__entry_info(s, s->entries[i], &e);
        reqs += e.num_requests;
        fails += e.num_failures;
        rps += e.current_rps;
        char *name = display_name(e.method, e.name);
        if (!name) return LOCUST_ENOMEM;
        char fail_col[64];
        snprintf(fail_col, sizeof(fail_col), "%" PRIu64 "(%.2f%%)", e.num_failures, e.fail_ratio * 100);
        fputc(' ', f);
        put_padded(f, name, NAME_WIDTH);
        free(name);
        fprintf(f, " %7" PRIu64 " %12s %7" PRId64 " %7" PRId64 " %7" PRId64 "  | %7" PRId64 " %7.2f\n",
                e.num_requests, fail_col, py_int(e.avg_response_time), py_int(e.min_response_time),
                py_int(e.max_response_time), py_int(e.median_response_time), e.current_rps);
    }
    put_rule(f);
    /* The Total row sums the entries, and its percentage is failures / successes (docs/compatibility.md
     * §4.3). */
    char fail_col[64];
    snprintf(fail_col, sizeof(fail_col), "%" PRIu64 "(%.2f%%)", fails,
             reqs ? (double)fails / (double)reqs * 100 : 0.0);
    fputc(' ', f);
    put_padded(f, "Total", NAME_WIDTH);
    fprintf(f, " %7" PRIu64 " %12s %42.2f\n\n", reqs, fail_col, rps);
    return finish(f, 0);
}

static const double PERCENTS[9] = {0.5, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 1.00};

/* Writes the nine percentiles of an entry, each after `sep` in a field of `width`; None as 0. */
static void put_percentiles(FILE *f, const locust__entry *e, const char *sep, int width)
{
    for (int i = 0; i < 9; i++) {
        int64_t key = 0;
        if (!locust__hist_percentile(&e->hist, NULL, (int64_t)e->num_requests, PERCENTS[i], &key)) key = 0;
        fprintf(f, "%s%*" PRId64, sep, width, key);
    }
}

/* One row of print_percentile_stats. */
static int put_percentile_row(FILE *f, const locust__entry *e)
{
    char *name = display_name(e->method, e->name);
    if (!name) return LOCUST_ENOMEM;
    fputc(' ', f);
    put_padded(f, name, NAME_WIDTH);
    free(name);
    fprintf(f, " %8" PRIu64, e->num_requests);
    put_percentiles(f, e, " ", 6);
    fputc('\n', f);
    return 0;
}

int locust_stats_print_percentiles(const locust_stats *s, FILE *f)
{
    if (!s || !f) return LOCUST_EINVAL;
    fputs("Percentage of the requests completed within given times\n", f);
    fputc(' ', f);
    put_padded(f, "Name", NAME_WIDTH);
    fprintf(f, " %8s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n", "# reqs", "50%", "66%", "75%", "80%", "90%",
            "95%", "98%", "99%", "100%");
    put_rule(f);
    /*
     * Rows for entries with a histogram. 0.9.0 raises ValueError on a
     * histogram without requests (only possible with inconsistent merged
     * data); such rows are skipped.
     */
    int err = 0;
    for (size_t i = 0; i < s->n && !err; i++) {
        const locust__entry *e = s->entries[i];
        if (e->hist.total && e->num_requests) err = put_percentile_row(f, e);
    }
    put_rule(f);
    if (!err && s->total.hist.total && s->total.num_requests) err = put_percentile_row(f, &s->total);
    fputc('\n', f);
    return finish(f, err);
}

int locust_stats_print_errors(const locust_stats *s, FILE *f)
{
    if (!s || !f) return LOCUST_EINVAL;
    if (!s->nerrors) return 0;
    fputs("Error report\n", f);
    fputc(' ', f);
    put_padded(f, "# occurrences", 18);
    fputc(' ', f);
    put_padded(f, "Error", 100);
    fputc('\n', f);
    put_rule(f);
    for (size_t i = 0; i < s->nerrors; i++) {
        const locust__error *row = &s->errors[i];
        /*
         * 0.9.0 prints to_name() = "%s %s: %r" % (method, name, repr(error)).
         * Our error is a plain string standing for repr(exception), so one
         * repr of it gives what a local 0.9.0 prints, e.g.
         * GET /fail: "HTTPError('500 Server Error')". (A 0.9.0 master, whose
         * errors are strings already, would add a second level of quotes;
         * we print the same on every node.)
         */
        char *repr = locust__py_repr(row->error);
        if (!repr) return LOCUST_ENOMEM;
        const char *method = row->method ? row->method : "None";
        size_t len = strlen(method) + strlen(row->name) + strlen(repr) + 4;
        char *text = malloc(len);
        if (!text) {
            free(repr);
            return LOCUST_ENOMEM;
        }
        snprintf(text, len, "%s %s: %s", method, row->name, repr);
        free(repr);
        if (!(text = clean_owned(text))) return LOCUST_ENOMEM;
        char count[32];
        snprintf(count, sizeof(count), "%" PRIu64, row->occurrences);
        fputc(' ', f);
        put_padded(f, count, 18);
        fputc(' ', f);
        put_padded(f, text, 100);
        fputc('\n', f);
        free(text);
    }
    put_rule(f);
    fputc('\n', f);
    return finish(f, 0);
}

int locust_stats_write_requests_csv(const locust_stats *s, FILE *f)
{
    if (!s || !f) return LOCUST_EINVAL;
    fputs("\"Method\",\"Name\",\"# requests\",\"# failures\",\"Median response time\",\"Average response "
          "time\","
          "\"Min response time\",\"Max response time\",\"Average Content Size\",\"Requests/s\"",
          f);
    for (size_t i = 0; i <= s->n; i++) {
        locust_entry_info e;
        locust__entry_info(s, i < s->n ? s->entries[i] : &s->total, &e);
        /* Python's "%s" of None is "None": the Total row reads "None","Total". */
        fputs("\n\"", f);
        int err = put_clean(f, e.method ? e.method : "None");
        if (!err) fputs("\",\"", f);
        if (!err) err = put_clean(f, e.name);
        if (err) return err;
        fprintf(f,
                "\",%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%.2f",
                e.num_requests, e.num_failures, py_int(e.median_response_time), py_int(e.avg_response_time),
                py_int(e.min_response_time), py_int(e.max_response_time), py_int(e.avg_content_length),
                e.total_rps);
    }
    return finish(f, 0);
}

int locust_stats_write_distribution_csv(const locust_stats *s, FILE *f)
{
    if (!s || !f) return LOCUST_EINVAL;
    fputs("\"Name\",\"# requests\",\"50%\",\"66%\",\"75%\",\"80%\",\"90%\",\"95%\",\"98%\",\"99%\",\"100%\"",
          f);
    for (size_t i = 0; i <= s->n; i++) {
        const locust__entry *e = i < s->n ? s->entries[i] : &s->total;
        if (!e->num_requests) {
            /* 0.9.0 uses the bare name here, without the method. */
            fputs("\n\"", f);
            if (put_clean(f, e->name)) return LOCUST_ENOMEM;
            fputs("\",0,\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\"", f);
            continue;
        }
        char *name = display_name(e->method, e->name);
        if (!name) return LOCUST_ENOMEM;
        fprintf(f, "\n\"%s\",%" PRIu64, name, e->num_requests);
        free(name);
        put_percentiles(f, e, ",", 0);
    }
    return finish(f, 0);
}
