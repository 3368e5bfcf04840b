/*
 * libFuzzer harness: locust-run's command line (cli/options.c).
 * FUZZ-SOURCES: cli/options.c
 *
 * The first byte picks the target:
 *   even: the rest is one --run-time value for cli_parse_timespan(), checked
 *         against Locust 0.9.0's parse_timespan() written out below (same
 *         accepted strings, same seconds; a value too large for 64 bits
 *         must be refused). LOCUST_FUZZ_SKIP_KNOWN=1 skips the inputs of a
 *         known, reported divergence, so that fuzzing can look past it;
 *   odd:  the rest is an argv, its arguments separated by NUL bytes, for
 *         cli_options_parse(): it may refuse anything, with a message, but
 *         what it accepts must be within the documented ranges.
 */
#include "options.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Locust 0.9.0's parse_timespan(): ^\d+$ (a trailing newline allowed) is
 * seconds; else ((\d+?)h)?((\d+?)m)?((\d+?)s)? matched at the start, at
 * least one group present, the rest ignored. Python's ints do not
 * overflow: *big is set when the value does not fit 64 bits.
 */
static int reference_timespan(const char *s, uint64_t *out, int *big, int *known)
{
    *big = *known = 0;
    if (!*s) return -1;
    size_t n = strspn(s, "0123456789");
    if (n > 0 && (s[n] == '\0' || (s[n] == '\n' && s[n + 1] == '\0'))) {
        long double v = 0;
        for (size_t i = 0; i < n; i++)
            v = v * 10 + (s[i] - '0');
        if (v > (long double)UINT64_MAX / 2) *big = 1; /* near the edge, either answer is fine */
        uint64_t u = 0;
        for (size_t i = 0; i < n && !*big; i++)
            u = u * 10 + (uint64_t)(s[i] - '0');
        *out = u;
        return 0;
    }
    static const struct {
        char unit;
        unsigned mult;
    } parts[] = {{'h', 3600}, {'m', 60}, {'s', 1}};
    long double total = 0;
    int any = 0;
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        size_t d = strspn(p, "0123456789");
        if (d == 0 || p[d] != parts[i].unit) {
            /* Known divergence (reported): cli/options.c refuses an over-long digit run even where
             * the group does not match, e.g. "1m99999999999999999999x" (0.9: 60 s). */
            if (d > 19) *known = 1;
            continue;
        }
        long double v = 0;
        for (size_t k = 0; k < d; k++)
            v = v * 10 + (p[k] - '0');
        total += v * parts[i].mult;
        any = 1;
        p += d + 1;
    }
    if (!any) return -1;
    if (total > (long double)UINT64_MAX / 2) *big = 1; /* near the edge, either answer is fine */
    *out = (uint64_t)(total > (long double)UINT64_MAX ? 0 : total);
    return 0;
}

static void check_timespan(const char *s)
{
    uint64_t got = 0, want = 0;
    int big, known;
    int rc = cli_parse_timespan(s, &got);
    int ref = reference_timespan(s, &want, &big, &known);
    if (known && getenv("LOCUST_FUZZ_SKIP_KNOWN")) return;
    if (ref != 0) {
        if (rc == 0) {
            fprintf(stderr, "timespan '%s' accepted (%llu), Locust 0.9 refuses it\n", s,
                    (unsigned long long)got);
            abort();
        }
        return;
    }
    if (big) return; /* too large for 64 bits: refusing or saturating both do */
    if (rc != 0 || got != want) {
        fprintf(stderr, "timespan '%s': got rc %d, %llu; Locust 0.9 gives %llu\n", s, rc,
                (unsigned long long)got, (unsigned long long)want);
        abort();
    }
}

static void check_options(const char *buf, size_t len)
{
    char *argv[66];
    int argc = 0;
    argv[argc++] = (char *)"locust-run";
    for (size_t i = 0; i < len && argc < 65;) {
        argv[argc++] = (char *)buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    cli_options o;
    char err[512];
    memset(err, 'x', sizeof err);
    int rc = cli_options_parse(&o, argc, argv, err, sizeof err);
    if (memchr(err, '\0', sizeof err) == NULL) abort();
    if (rc != 0) {
        if (rc != -1 || err[0] == '\0') abort(); /* a refusal always says why */
        return;
    }
    if (!(o.hatch_rate > 0) || !isfinite(o.hatch_rate)) abort();
    if (!(o.csv_interval > 0) || !isfinite(o.csv_interval)) abort();
    if (o.master_protocol != 1 && o.master_protocol != 2) abort();
    if (o.web_port < 0 || o.web_port > 65535 || o.master_port < 0 || o.master_port > 65535) abort();
    if (o.master_bind_port < 0 || o.master_bind_port > 65535) abort();
    if (o.master && o.slave) abort();
    if (o.n_class_names > CLI_MAX_CLASS_NAMES) abort();
    if (o.locustfile == NULL || o.master_host == NULL || o.master_bind_host == NULL) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    char *buf = malloc(size + 1);
    if (buf == NULL) return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    if (data[0] & 1)
        check_options(buf, size - 1);
    else
        check_timespan(buf);
    free(buf);
    return 0;
}
