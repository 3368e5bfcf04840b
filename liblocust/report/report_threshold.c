/*
 * Pass/fail thresholds: "[ENTRY:]METRIC OP NUMBER", parsed once at start
 * (so that a typo ends the program before the test, not after it) and
 * evaluated on a statistics table, which on a master holds the slaves'
 * merged numbers.
 */
#include <ctype.h>
#include <errno.h>
#include <locust/locust.h>
#include <locust/report.h>
#include <locust/stats.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return LOCUST_EINVAL;
}

/* Finds the comparison in s: its position and length, or -1. */
static int find_cmp(const char *s, locust_cmp *cmp, size_t *len)
{
    for (int i = 0; s[i]; i++) {
        if (s[i] == '<' || s[i] == '>' || (s[i] == '=' && s[i + 1] == '=')) {
            bool eq = s[i + 1] == '=';
            *cmp = s[i] == '<'   ? (eq ? LOCUST_CMP_LE : LOCUST_CMP_LT)
                   : s[i] == '>' ? (eq ? LOCUST_CMP_GE : LOCUST_CMP_GT)
                                 : LOCUST_CMP_EQ;
            *len = eq ? 2 : 1;
            return i;
        }
    }
    return -1;
}

static const struct {
    const char *name;
    locust_metric metric;
} metric_names[] = {
    {"avg", LOCUST_METRIC_AVG},
    {"min", LOCUST_METRIC_MIN},
    {"max", LOCUST_METRIC_MAX},
    {"rps", LOCUST_METRIC_RPS},
    {"fail_ratio", LOCUST_METRIC_FAIL_RATIO},
    {"num_failures", LOCUST_METRIC_NUM_FAILURES},
};

/* Reads a metric name (trimmed) into t. */
static bool parse_metric(const char *s, size_t n, locust_threshold *t)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++) {
        if (strlen(metric_names[i].name) == n && strncmp(s, metric_names[i].name, n) == 0) {
            t->metric = metric_names[i].metric;
            return true;
        }
    }
    /* pN, or cpN for the corrected time: N a percentage with digits and at most one '.', 0 < N <= 100. */
    bool corrected = n > 2 && s[0] == 'c';
    if (corrected) s++, n--;
    if (n < 2 || s[0] != 'p') return false;
    char num[16];
    if (n - 1 >= sizeof num) return false;
    memcpy(num, s + 1, n - 1);
    num[n - 1] = '\0';
    size_t digits = strspn(num, "0123456789");
    if (digits == 0) return false;
    if (num[digits] == '.' && (strspn(num + digits + 1, "0123456789") == 0 ||
                               num[digits + 1 + strspn(num + digits + 1, "0123456789")]))
        return false;
    if (num[digits] && num[digits] != '.') return false;
    double v = strtod(num, NULL);
    if (!(v > 0 && v <= 100)) return false;
    t->metric = corrected ? LOCUST_METRIC_CORRECTED_PERCENTILE : LOCUST_METRIC_PERCENTILE;
    t->percentile = v / 100;
    return true;
}

/* Splits "METHOD NAME", "NAME" or "Total" into t->method and t->name. */
static int parse_entry(const char *s, size_t n, locust_threshold *t, const char *expr, char *err,
                       size_t errlen)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0) return fail(err, errlen, "invalid threshold '%s': the entry before ':' is empty", expr);
    if ((n == 5 && strncmp(s, "Total", 5) == 0) || (n == 10 && strncmp(s, "Aggregated", 10) == 0)) return 0;
    /* A method is a first word of capital letters, as HTTP spells them. */
    size_t w = 0;
    while (w < n && isupper((unsigned char)s[w]))
        w++;
    if (w > 0 && w < n && s[w] == ' ') {
        if (w >= sizeof t->method) return fail(err, errlen, "invalid threshold '%s': method too long", expr);
        memcpy(t->method, s, w);
        t->method[w] = '\0';
        s += w + 1;
        n -= w + 1;
        while (n && *s == ' ')
            s++, n--;
    }
    if (n == 0 || n >= sizeof t->name)
        return fail(err, errlen, "invalid threshold '%s': the entry name is empty or too long", expr);
    memcpy(t->name, s, n);
    t->name[n] = '\0';
    return 0;
}

int locust_threshold_parse(const char *expr, locust_threshold *t, char *err, size_t errlen)
{
    if (!expr || !t) return LOCUST_EINVAL;
    memset(t, 0, sizeof *t);
    if (strlen(expr) >= sizeof t->expr)
        return fail(err, errlen, "invalid threshold '%.64s...': too long", expr);
    strcpy(t->expr, expr);
    size_t clen;
    int at = find_cmp(expr, &t->cmp, &clen);
    if (at < 0)
        return fail(err, errlen,
                    "invalid threshold '%s': expected [ENTRY:]METRIC OP NUMBER, e.g. p95<300 or "
                    "\"GET /login:p99<800\" (OP: <, <=, >, >=, ==)",
                    expr);
    /* The entry ends at the last ':' before the comparison (names may hold ':' themselves). */
    const char *colon = NULL;
    for (const char *p = expr; p < expr + at; p++)
        if (*p == ':') colon = p;
    const char *m = colon ? colon + 1 : expr;
    if (!parse_metric(m, (size_t)(expr + at - m), t))
        return fail(err, errlen,
                    "invalid threshold '%s': unknown metric '%.*s' (use p50..p99.99, cp50..cp99.99 for the "
                    "corrected time, avg, min, max, rps, fail_ratio or num_failures)",
                    expr, (int)(expr + at - m), m);
    if (colon && parse_entry(expr, (size_t)(colon - expr), t, expr, err, errlen)) return LOCUST_EINVAL;
    const char *num = expr + at + clen;
    while (isspace((unsigned char)*num))
        num++;
    char *end;
    errno = 0;
    t->limit = strtod(num, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (num == end || *end || errno || !isfinite(t->limit))
        return fail(err, errlen, "invalid threshold '%s': '%s' is not a number", expr, num);
    return 0;
}

const char *locust_threshold_metric_name(const locust_threshold *t, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++)
        if (metric_names[i].metric == t->metric) {
            snprintf(buf, len, "%s", metric_names[i].name);
            return buf;
        }
    snprintf(buf, len, "%sp%g", t->metric == LOCUST_METRIC_CORRECTED_PERCENTILE ? "c" : "",
             t->percentile * 100);
    return buf;
}

/* The index of the entry a threshold names (count = Total), or -1 when there is none. */
static long find_entry(const locust_threshold *t, const locust_stats *s)
{
    size_t n = locust_stats_entry_count(s);
    if (!t->name[0]) return (long)n;
    for (size_t i = 0; i < n; i++) {
        locust_entry_info e;
        if (locust_stats_entry(s, i, &e)) continue;
        if (strcmp(e.name, t->name) == 0 && (!t->method[0] || (e.method && strcmp(e.method, t->method) == 0)))
            return (long)i;
    }
    return -1;
}

static bool compare(locust_cmp c, double v, double limit)
{
    switch (c) {
    case LOCUST_CMP_LT:
        return v < limit;
    case LOCUST_CMP_LE:
        return v <= limit;
    case LOCUST_CMP_GT:
        return v > limit;
    case LOCUST_CMP_GE:
        return v >= limit;
    case LOCUST_CMP_EQ:
        return v == limit;
    }
    return false;
}

bool locust_threshold_eval(locust_threshold *t, const locust_stats *s)
{
    t->has_value = false;
    t->value = 0;
    long i = find_entry(t, s);
    locust_entry_info e;
    if (i >= 0 && locust_stats_entry(s, (size_t)i, &e) == 0) {
        t->has_value = true;
        switch (t->metric) {
        /* The precise histograms (at most 1% off), not 0.9's rounded one. */
        case LOCUST_METRIC_PERCENTILE:
            /* Unless a slave sent no precise histogram (a Python Locust slave): a percentile of the
             * requests of the other slaves alone would be a verdict on part of the test, so 0.9's
             * rounded histogram, which every request reaches, judges it. */
            if (locust_stats_entry_sample_count(s, (size_t)i, LOCUST_TIME_SERVICE) == e.num_requests)
                t->has_value = locust_stats_entry_percentile_precise(s, (size_t)i, LOCUST_TIME_SERVICE,
                                                                     t->percentile, &t->value);
            else
                t->has_value = locust_stats_percentile(s, (size_t)i, t->percentile, &t->value);
            break;
        case LOCUST_METRIC_CORRECTED_PERCENTILE:
            t->has_value = locust_stats_entry_percentile_precise(s, (size_t)i, LOCUST_TIME_CORRECTED,
                                                                 t->percentile, &t->value);
            break;
        case LOCUST_METRIC_AVG:
            t->has_value = e.num_requests > 0;
            t->value = e.avg_response_time;
            break;
        case LOCUST_METRIC_MIN:
            t->has_value = e.has_min;
            t->value = e.min_response_time;
            break;
        case LOCUST_METRIC_MAX:
            t->has_value = e.num_requests > 0;
            t->value = e.max_response_time;
            break;
        case LOCUST_METRIC_RPS:
            t->value = e.total_rps;
            break;
        case LOCUST_METRIC_FAIL_RATIO:
            t->value = e.fail_ratio;
            break;
        case LOCUST_METRIC_NUM_FAILURES:
            t->value = (double)e.num_failures;
            break;
        }
    } else if (t->metric == LOCUST_METRIC_NUM_FAILURES || t->metric == LOCUST_METRIC_RPS ||
               t->metric == LOCUST_METRIC_FAIL_RATIO) {
        /* An entry never requested has no failures and no rate: 0 is its true value. */
        t->has_value = true;
    }
    t->passed = t->has_value && compare(t->cmp, t->value, t->limit);
    return t->passed;
}

int locust_thresholds_print(const locust_threshold *t, size_t n, FILE *f)
{
    if (!f || (n && !t)) return LOCUST_EINVAL;
    if (n == 0) return 0;
    fprintf(f, " %-50s %14s %6s\n", "Threshold", "Value", "Result");
    fprintf(f, "%s\n", "---------------------------------------------------------------------------");
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        char value[32];
        if (t[i].has_value)
            snprintf(value, sizeof value, "%.6g", t[i].value);
        else
            snprintf(value, sizeof value, "no data");
        fprintf(f, " %-50s %14s %6s\n", t[i].expr, value, t[i].passed ? "pass" : "FAIL");
        failed += !t[i].passed;
    }
    fprintf(f, "%s\n", "---------------------------------------------------------------------------");
    fprintf(f, " %zu of %zu thresholds failed\n\n", failed, n);
    return ferror(f) ? LOCUST_EIO : 0;
}
