/*
 * Locust 2.x's spellings of locust-run's options, next to 0.9's, and the
 * options of the reports and verdicts (--html, --json, --junit,
 * --threshold, ...). They are kept apart from options.c, which holds 0.9's
 * command line: options.c appends cli_options_2x_long to its table and hands
 * every id from OPT_2X_FIRST on to cli_options_2x_handle().
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

const struct option cli_options_2x_long[] = {
    {"users", required_argument, NULL, 'u'},
    {"spawn-rate", required_argument, NULL, 'r'},
    {"headless", no_argument, NULL, OPT_2X_HEADLESS},
    {"autostart", no_argument, NULL, OPT_2X_AUTOSTART},
    {"autoquit", required_argument, NULL, OPT_2X_AUTOQUIT},
    {"csv-full-history", no_argument, NULL, OPT_2X_CSV_FULL_HISTORY},
    {"exit-code-on-error", required_argument, NULL, OPT_2X_EXIT_CODE_ON_ERROR},
    {"html", required_argument, NULL, OPT_2X_HTML},
    {"json", no_argument, NULL, OPT_2X_JSON},
    {"json-file", required_argument, NULL, OPT_2X_JSON_FILE},
    {"junit", required_argument, NULL, OPT_2X_JUNIT},
    {"threshold", required_argument, NULL, OPT_2X_THRESHOLD},
    {"threshold-abort", no_argument, NULL, OPT_2X_THRESHOLD_ABORT},
    {"threshold-grace", required_argument, NULL, OPT_2X_THRESHOLD_GRACE},
    {"config", required_argument, NULL, OPT_2X_CONFIG},
    {"worker", no_argument, NULL, OPT_2X_WORKER},
    {NULL, 0, NULL, 0},
};

void cli_options_2x_defaults(cli_options *o)
{
    o->autoquit = -1;
    o->exit_code_on_error = 1;
    o->threshold_grace = 10;
}

int cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
#define fail cli_fail

static int whole(const char *name, const char *arg, long lo, long hi, long *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || errno || v < lo || v > hi)
        return fail(err, errlen, "option --%s: invalid value '%s' (expected a whole number from %ld to %ld)",
                    name, arg, lo, hi);
    *out = v;
    return 0;
}

static int file_arg(const char *name, const char *arg, const char **out, char *err, size_t errlen)
{
    if (!*arg) return fail(err, errlen, "option --%s: the file name is empty", name);
    *out = arg;
    return 0;
}

int cli_options_2x_handle(cli_options *o, int id, const char *arg, char *err, size_t errlen)
{
    long v;
    switch (id) {
    case 'u':
        if (whole("users", arg, 0, 10000000L, &v, err, errlen)) return -1;
        o->clients = (unsigned)v;
        return 0;
    case OPT_2X_HEADLESS:
        o->no_web = true;
        return 0;
    case OPT_2X_AUTOSTART:
        o->autostart = true;
        return 0;
    case OPT_2X_AUTOQUIT:
        if (whole("autoquit", arg, -1, 1000000000L, &v, err, errlen)) return -1;
        o->autoquit = (int)v;
        return 0;
    case OPT_2X_CSV_FULL_HISTORY:
        o->csv_full_history = true;
        return 0;
    case OPT_2X_EXIT_CODE_ON_ERROR:
        if (whole("exit-code-on-error", arg, 0, 255, &v, err, errlen)) return -1;
        o->exit_code_on_error = (int)v;
        return 0;
    case OPT_2X_HTML:
        return file_arg("html", arg, &o->html_file, err, errlen);
    case OPT_2X_JSON:
        o->json_stdout = true;
        return 0;
    case OPT_2X_JSON_FILE:
        return file_arg("json-file", arg, &o->json_file, err, errlen);
    case OPT_2X_JUNIT:
        return file_arg("junit", arg, &o->junit_file, err, errlen);
    case OPT_2X_THRESHOLD: {
        if (o->n_thresholds >= CLI_MAX_THRESHOLDS)
            return fail(err, errlen, "option --threshold: too many thresholds (at most %d)",
                        CLI_MAX_THRESHOLDS);
        char why[512];
        if (locust_threshold_parse(arg, &o->thresholds[o->n_thresholds], why, sizeof why))
            return fail(err, errlen, "option --threshold: %s", why);
        o->n_thresholds++;
        return 0;
    }
    case OPT_2X_THRESHOLD_ABORT:
        o->threshold_abort = true;
        return 0;
    case OPT_2X_THRESHOLD_GRACE:
        if (cli_parse_seconds(arg, &o->threshold_grace))
            return fail(err, errlen,
                        "option --threshold-grace: invalid value '%s' (expected seconds, e.g. 10 or 1m)",
                        arg);
        return 0;
    case OPT_2X_CONFIG:
        /* Read before parsing (config.c); here it only needs to be accepted. */
        o->config_file = arg;
        return 0;
    case OPT_2X_WORKER:
        o->slave = true;
        return 0;
    }
    return fail(err, errlen, "internal error: option id %d has no handler", id);
}

int cli_options_2x_check(const cli_options *o, char *err, size_t errlen)
{
    if (o->autoquit >= 0 && !o->autostart && !o->no_web)
        return fail(err, errlen, "option --autoquit: only used together with --autostart (or --headless)");
    if (o->threshold_abort && o->n_thresholds == 0)
        return fail(err, errlen, "option --threshold-abort: needs at least one --threshold");
    if (o->csv_full_history && !o->csv_base)
        return fail(err, errlen, "option --csv-full-history: needs --csv BASE");
    return cli_options2x_check_stages(o, err, errlen);
}

void cli_options_2x_help(FILE *f)
{
    fputs("Locust 2.x spellings:\n"
          "      --headless          same as --no-web\n"
          "  -u, --users=N           same as -c/--clients\n"
          "      --spawn-rate=R      same as -r/--hatch-rate\n"
          "      --worker            same as --slave\n"
          "      --expect-workers=N  same as --expect-slaves\n"
          "      --autostart         start the test at once, keeping the web UI\n"
          "      --autoquit=N        with --autostart: quit N seconds after the test ended\n"
          "      --config=FILE       read options from FILE (as locust.conf and\n"
          "                          ~/.locust.conf, which are read when present)\n"
          "\n"
          "Reports and verdicts:\n"
          "      --csv-full-history  with --csv: a row per entry in BASE_stats_history.csv\n"
          "      --html=FILE         write an HTML report at the end\n"
          "      --json              print a JSON summary on stdout at the end\n"
          "      --json-file=FILE    write the JSON summary to FILE\n"
          "      --junit=FILE        write a JUnit XML file (a case per threshold)\n"
          "      --threshold=EXPR    pass/fail rule, repeatable: p95<300, avg<100,\n"
          "                          rps>50, fail_ratio<0.01, \"GET /login:p99<800\"\n"
          "      --threshold-abort   stop the test once a threshold has failed for\n"
          "                          the grace period\n"
          "      --threshold-grace=TIME\n"
          "                          that grace period (default 10 s)\n"
          "      --exit-code-on-error=N\n"
          "                          exit status when a request failed (default 1)\n"
          "\n",
          f);
}
