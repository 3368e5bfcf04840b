/*
 * Parsing of locust-run's command line with getopt_long(). Like Python's
 * optparse (which 0.9.0 used), it accepts "--opt=value" and "--opt value",
 * "-c10" and "-c 10", unique prefixes of long options, and options mixed
 * with the positional class names. Every bad value is refused here, with a
 * message naming the option, so that main() never starts a test from a
 * half-understood command line.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Option ids beyond the short option letters. */
enum {
    OPT_WEB_HOST = 256,
    OPT_MASTER,
    OPT_SLAVE,
    OPT_MASTER_HOST,
    OPT_MASTER_PORT,
    OPT_MASTER_BIND_HOST,
    OPT_MASTER_BIND_PORT,
    OPT_MASTER_PROTOCOL,
    OPT_EXPECT_SLAVES,
    OPT_PROCESSES,
    OPT_NO_WEB,
    OPT_LOGFILE,
    OPT_PRINT_STATS,
    OPT_ONLY_SUMMARY,
    OPT_NO_RESET_STATS,
    OPT_RESET_STATS,
    OPT_SHOW_TASK_RATIO,
    OPT_SHOW_TASK_RATIO_JSON,
    OPT_CSV,
    OPT_CSV_INTERVAL,
    OPT_WEB_AUTH,
    OPT_SEED,
    OPT_RATE,
    OPT_STOP_TIMEOUT,
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"locustfile", required_argument, NULL, 'f'},
    {"host", required_argument, NULL, 'H'},
    {"web-host", required_argument, NULL, OPT_WEB_HOST},
    {"port", required_argument, NULL, 'P'},
    {"web-port", required_argument, NULL, 'P'},
    {"web-auth", required_argument, NULL, OPT_WEB_AUTH},
    {"master", no_argument, NULL, OPT_MASTER},
    {"slave", no_argument, NULL, OPT_SLAVE},
    {"master-host", required_argument, NULL, OPT_MASTER_HOST},
    {"master-port", required_argument, NULL, OPT_MASTER_PORT},
    {"master-bind-host", required_argument, NULL, OPT_MASTER_BIND_HOST},
    {"master-bind-port", required_argument, NULL, OPT_MASTER_BIND_PORT},
    {"master-protocol", required_argument, NULL, OPT_MASTER_PROTOCOL},
    {"expect-slaves", required_argument, NULL, OPT_EXPECT_SLAVES},
    /* Locust 2.x's name; the same id, so that "--expect" stays an unambiguous prefix. */
    {"expect-workers", required_argument, NULL, OPT_EXPECT_SLAVES},
    {"processes", required_argument, NULL, OPT_PROCESSES},
    {"no-web", no_argument, NULL, OPT_NO_WEB},
    {"clients", required_argument, NULL, 'c'},
    {"hatch-rate", required_argument, NULL, 'r'},
    {"run-time", required_argument, NULL, 't'},
    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
    {"loglevel", required_argument, NULL, 'L'},
    {"logfile", required_argument, NULL, OPT_LOGFILE},
    {"print-stats", no_argument, NULL, OPT_PRINT_STATS},
    {"only-summary", no_argument, NULL, OPT_ONLY_SUMMARY},
    {"no-reset-stats", no_argument, NULL, OPT_NO_RESET_STATS},
    {"reset-stats", no_argument, NULL, OPT_RESET_STATS},
    {"list", no_argument, NULL, 'l'},
    {"show-task-ratio", no_argument, NULL, OPT_SHOW_TASK_RATIO},
    {"show-task-ratio-json", no_argument, NULL, OPT_SHOW_TASK_RATIO_JSON},
    {"csv", required_argument, NULL, OPT_CSV},
    {"csv-base-name", required_argument, NULL, OPT_CSV},
    {"csv-interval", required_argument, NULL, OPT_CSV_INTERVAL},
    {"seed", required_argument, NULL, OPT_SEED},
    {"rate", required_argument, NULL, OPT_RATE},
    {"version", no_argument, NULL, 'V'},
    CLI_OPTIONS2X_LONG{NULL, 0, NULL, 0},
};

static const char short_options[] = ":hf:H:P:c:r:t:L:lVu:T:E:";

/* 0.9's options followed by options_2x.c's, as one table for getopt_long(). */
#define N_LONG    (sizeof long_options / sizeof long_options[0] - 1)
#define N_LONG_2X 32
static struct option all_options[N_LONG + N_LONG_2X + 1];

const struct option *cli_options_table(void)
{
    if (!all_options[0].name) {
        memcpy(all_options, long_options, N_LONG * sizeof *long_options);
        size_t n = N_LONG;
        for (const struct option *p = cli_options_2x_long; p->name && n < N_LONG + N_LONG_2X; p++)
            all_options[n++] = *p;
    }
    return all_options;
}

void cli_options_defaults(cli_options *o)
{
    memset(o, 0, sizeof *o);
    o->locustfile = "locustfile";
    o->web_host = "";
    o->web_port = 8089;
    o->master_host = "127.0.0.1";
    o->master_port = 5557;
    o->master_bind_host = "*";
    o->master_bind_port = 5557;
    o->master_protocol = 1;
    o->expect_slaves = 1;
    o->processes = 1;
    o->clients = 1;
    o->hatch_rate = 1;
    o->loglevel = LOCUST_LOG_INFO;
    o->csv_interval = 2;
    cli_options_2x_defaults(o);
}

/* "-c/--clients": how an option is named in messages. */
static const char *option_label(int id, char *buf, size_t len)
{
    const char *lname = NULL;
    for (const struct option *lo = cli_options_table(); lo->name; lo++) {
        if (lo->val == id) {
            lname = lo->name;
            break;
        }
    }
    if (id < 256 && lname)
        snprintf(buf, len, "-%c/--%s", id, lname);
    else if (lname)
        snprintf(buf, len, "--%s", lname);
    else
        snprintf(buf, len, "-%c", id);
    return buf;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A whole decimal integer in [lo, hi]; leading '+' and spaces are refused. */
static bool parse_int(const char *s, long long lo, long long hi, long long *out)
{
    if (!*s || !(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1])))) return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static int int_option(int id, const char *arg, long long lo, long long hi, long long *out, char *err,
                      size_t errlen)
{
    char label[64];
    if (parse_int(arg, lo, hi, out)) return 0;
    return fail(err, errlen, "option %s: invalid value '%s' (expected a whole number from %lld to %lld)",
                option_label(id, label, sizeof label), arg, lo, hi);
}

static int positive_number(int id, const char *arg, double *out, char *err, size_t errlen)
{
    char label[64], *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (!*arg || *end || errno || !isfinite(v) || !(v > 0))
        return fail(err, errlen, "option %s: invalid value '%s' (expected a number greater than 0)",
                    option_label(id, label, sizeof label), arg);
    *out = v;
    return 0;
}

static int host_option(const char *arg, char *err, size_t errlen)
{
    char why[256];
    if (locust_url_check(arg, why, sizeof why) == 0) return 0;
    return fail(err, errlen,
                "option -H/--host: invalid value '%s': %s (expected a base URL such as http://10.21.32.33)",
                arg, why);
}

int cli_options_parse(cli_options *o, int argc, char **argv, char *err, size_t errlen)
{
    cli_options_defaults(o);
    err[0] = '\0';
    /* Reset getopt, so that the tests may parse many command lines. */
    optind = 0;
    opterr = 0;
    long long v;
    for (;;) {
        int id = getopt_long(argc, argv, short_options, cli_options_table(), NULL);
        if (id == -1) break;
        char label[64];
        int mine = cli_options2x_parse(o, id, optarg, err, errlen);
        if (mine < 0) return -1;
        if (mine) continue;
        switch (id) {
        case 'h':
            o->help = true;
            break;
        case 'f':
            o->locustfile = optarg;
            break;
        case 'H':
            if (host_option(optarg, err, errlen)) return -1;
            o->host = optarg;
            break;
        case OPT_WEB_HOST:
            o->web_host = optarg;
            break;
        case 'P':
            if (int_option(id, optarg, 0, 65535, &v, err, errlen)) return -1;
            o->web_port = (int)v;
            break;
        case OPT_WEB_AUTH:
            if (!strchr(optarg, ':') || optarg[0] == ':')
                return fail(err, errlen, "option --web-auth: invalid value '%s' (expected user:password)",
                            optarg);
            o->web_auth = optarg;
            break;
        case OPT_MASTER:
            o->master = true;
            break;
        case OPT_SLAVE:
            o->slave = true;
            break;
        case OPT_MASTER_HOST:
            o->master_host = optarg;
            break;
        case OPT_MASTER_PORT:
            if (int_option(id, optarg, 1, 65535, &v, err, errlen)) return -1;
            o->master_port = (int)v;
            break;
        case OPT_MASTER_BIND_HOST:
            o->master_bind_host = optarg;
            break;
        case OPT_MASTER_BIND_PORT:
            if (int_option(id, optarg, 1, 65535, &v, err, errlen)) return -1;
            o->master_bind_port = (int)v;
            break;
        case OPT_MASTER_PROTOCOL:
            if (int_option(id, optarg, 1, 2, &v, err, errlen)) return -1;
            o->master_protocol = (int)v;
            break;
        case OPT_EXPECT_SLAVES:
            /* Like the master's option, at least 1: a master that waits for no
             * slave would start a test that nobody runs. */
            if (int_option(id, optarg, 1, 100000, &v, err, errlen)) return -1;
            o->expect_slaves = (unsigned)v;
            break;
        case OPT_PROCESSES:
            if (int_option(id, optarg, 1, 1024, &v, err, errlen)) return -1;
            o->processes = (unsigned)v;
            break;
        case OPT_NO_WEB:
            o->no_web = true;
            break;
        case 'c':
            if (int_option(id, optarg, 0, 10000000, &v, err, errlen)) return -1;
            o->clients = (unsigned)v;
            break;
        case 'r':
            if (positive_number(id, optarg, &o->hatch_rate, err, errlen)) return -1;
            break;
        case 't':
            o->run_time = optarg;
            break;
        case OPT_STOP_TIMEOUT:
            /* Checked here, unlike -t (which 0.9.0 checks after loading): a new
             * option has no 0.9.0 order of errors to keep. */
            if (cli_parse_seconds(optarg, &o->stop_timeout))
                return fail(err, errlen,
                            "option --stop-timeout: invalid value '%s' (expected seconds, e.g. 0, 2.5, "
                            "30, 30s, 1m or 1h30m)",
                            optarg);
            o->stop_timeout_set = true;
            break;
        case 'L':
            if (locust_log_level_parse(optarg, &o->loglevel))
                return fail(
                    err, errlen,
                    "option -L/--loglevel: invalid log level '%s' (choose DEBUG, INFO, WARNING, ERROR "
                    "or CRITICAL)",
                    optarg);
            break;
        case OPT_LOGFILE:
            o->logfile = optarg;
            break;
        case OPT_PRINT_STATS:
            o->print_stats = true;
            break;
        case OPT_ONLY_SUMMARY:
            o->only_summary = true;
            break;
        case OPT_NO_RESET_STATS:
            break; /* deprecated in 0.9.0: accepted and ignored */
        case OPT_RESET_STATS:
            o->reset_stats = true;
            break;
        case 'l':
            o->list = true;
            break;
        case OPT_SHOW_TASK_RATIO:
            o->show_task_ratio = true;
            break;
        case OPT_SHOW_TASK_RATIO_JSON:
            o->show_task_ratio_json = true;
            break;
        case OPT_CSV:
            if (!*optarg) return fail(err, errlen, "option --csv: the base name is empty");
            o->csv_base = optarg;
            break;
        case OPT_CSV_INTERVAL:
            if (positive_number(id, optarg, &o->csv_interval, err, errlen)) return -1;
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 10);
            if (!isdigit((unsigned char)optarg[0]) || *end || errno)
                return fail(err, errlen, "option --seed: invalid value '%s' (expected a whole number >= 0)",
                            optarg);
            o->seed = s;
            o->seed_set = true;
            break;
        }
        case OPT_RATE:
            /* The open model: runs per second for the whole test (README "Open and closed load"). */
            if (positive_number(id, optarg, &o->rate, err, errlen)) return -1;
            if (o->rate > 1e7) return fail(err, errlen, "option --rate: %s is above 10000000 runs/s", optarg);
            break;
        case 'V':
            o->version = true;
            break;
        case 'u':
        case OPT_2X_FIRST ... OPT_2X_FIRST + 99:
            if (cli_options_2x_handle(o, id, optarg, err, errlen)) return -1;
            break;
        case ':':
            /* optopt holds the option's id for short and long options alike. */
            return fail(err, errlen, "option %s requires a value", option_label(optopt, label, sizeof label));
        case '?':
        default: {
            /* getopt_long() leaves optopt 0 for an unknown long option, and
             * sets it to the option's id for a flag given "=value". */
            const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
            if (optopt == 0) {
                size_t n = strcspn(arg, "=");
                return fail(err, errlen, "no such option: %.*s", (int)n, arg);
            }
            if (strncmp(arg, "--", 2) == 0)
                return fail(err, errlen, "option %s does not take a value",
                            option_label(optopt, label, sizeof label));
            return fail(err, errlen, "no such option: -%c", optopt);
        }
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->n_class_names >= CLI_MAX_CLASS_NAMES)
            return fail(err, errlen, "too many class names (at most %d)", CLI_MAX_CLASS_NAMES);
        o->class_names[o->n_class_names++] = argv[i];
    }
    if (o->processes > 1 && (o->master || o->slave))
        return fail(err, errlen,
                    "option --processes: cannot be combined with --%s (it runs its own master "
                    "and slaves)",
                    o->master ? "master" : "slave");
    if (o->master) o->slave = false; /* as in 0.9.0, --master wins */
    return cli_options_2x_check(o, err, errlen);
}

/* ---- --run-time ---------------------------------------------------------------- */

/* Reads "<digits><unit>" at *p; on a match advances *p and adds to *total. */
static int timespan_part(const char **p, char unit, uint64_t mult, uint64_t *total, bool *any)
{
    const char *s = *p;
    size_t n = strspn(s, "0123456789");
    /* The optional group does not match here: its digits, however many, are
     * not this part's (the regex would try the next group). */
    if (n == 0 || s[n] != unit) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT64_MAX / mult || *total > UINT64_MAX - v * mult) return -1;
    *total += v * mult;
    *any = true;
    *p = s + n + 1;
    return 0;
}

int cli_parse_timespan(const char *s, uint64_t *out)
{
    if (!s || !*s) return -1;
    /* All digits (Python's ^\d+$ also allows one trailing newline). */
    size_t n = strspn(s, "0123456789");
    if (n > 0 && (s[n] == '\0' || (s[n] == '\n' && s[n + 1] == '\0'))) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            if (v > (UINT64_MAX - 9) / 10) return -1;
            v = v * 10 + (uint64_t)(s[i] - '0');
        }
        *out = v;
        return 0;
    }
    /* ((\d+?)h)?((\d+?)m)?((\d+?)s)? matched at the start; the rest is ignored. */
    uint64_t total = 0;
    bool any = false;
    const char *p = s;
    if (timespan_part(&p, 'h', 3600, &total, &any) || timespan_part(&p, 'm', 60, &total, &any) ||
        timespan_part(&p, 's', 1, &total, &any))
        return -1;
    if (!any) return -1;
    *out = total;
    return 0;
}

/* ---- --stop-timeout ------------------------------------------------------------ */

int cli_parse_seconds(const char *s, double *out)
{
    if (!s || !*s) return -1;
    /* Plain seconds: digits with at most one '.', and a digit somewhere.
     * strtod() alone would also take "1e3", "inf", "0x10" and " 5". */
    size_t digits = strspn(s, "0123456789");
    size_t frac = s[digits] == '.' ? strspn(s + digits + 1, "0123456789") : 0;
    size_t len = digits + (s[digits] == '.' ? 1 + frac : 0);
    if (s[len] == '\0' && digits + frac > 0) {
        errno = 0;
        double v = strtod(s, NULL);
        if (errno || !isfinite(v)) return -1;
        *out = v;
        return 0;
    }
    /* A timespan of whole units, as -t takes, but with nothing after it. */
    uint64_t total = 0;
    bool any = false;
    const char *p = s;
    if (timespan_part(&p, 'h', 3600, &total, &any) || timespan_part(&p, 'm', 60, &total, &any) ||
        timespan_part(&p, 's', 1, &total, &any))
        return -1;
    if (!any || *p) return -1;
    *out = (double)total;
    return 0;
}

locust_runner_options cli_runner_options(const cli_options *o)
{
    return (locust_runner_options){.host = o->host,
                                   .seed = o->seed,
                                   .seed_set = o->seed_set,
                                   .reset_stats = o->reset_stats,
                                   .stop_timeout = o->stop_timeout,
                                   .stop_timeout_set = o->stop_timeout_set};
}

/* ---- --help --------------------------------------------------------------------- */

void cli_options_help(FILE *f)
{
    fputs("Usage: locust-run [options] [LocustClass [LocustClass2 ... ]]\n"
          "\n"
          "Runs a load test: simulated users of the locust classes in a compiled\n"
          "scenario (a .so built with LOCUST_SCENARIO, or a .c/.cpp file that\n"
          "locust-run compiles and caches) against a host.\n"
          "\n"
          "Scenario:\n"
          "  -f, --locustfile=FILE   scenario to load: a .so, or a .c/.cpp to compile.\n"
          "                          Default: locustfile (.so, then .c), looked up in the\n"
          "                          current folder and then its parents\n"
          "  -H, --host=URL          host to load test, e.g. http://10.21.32.33\n"
          "  -l, --list              show the locust classes and exit\n"
          "      --show-task-ratio   print the classes' task execution ratio and exit\n"
          "      --show-task-ratio-json\n"
          "                          print the task execution ratio as JSON and exit\n"
          "\n"
          "Running without the web UI:\n"
          "      --no-web            start the test at once, without the web UI\n"
          "  -c, --clients=N         number of concurrent users (default 1)\n"
          "  -r, --hatch-rate=R      users started per second (default 1)\n"
          "  -t, --run-time=TIME     stop after TIME: 300s, 20m, 3h, 1h30m, ... (only with\n"
          "                          --no-web; 0 means no limit)\n"
          "      --stop-timeout=TIME how long requests in flight when users stop may take\n"
          "                          to finish and be counted: 2.5, 30, 30s, 1m, ...\n"
          "                          (default 10 s; 0: abandon them at once)\n"
          "      --seed=N            seed the random choices, for repeatable runs\n"
          "\n"
          "Open model:\n"
          "      --rate=R            start R task runs per second for the whole test, each\n"
          "                          on a free user of a pool of at most -c users; a run\n"
          "                          that finds no free user is dropped and counted, never\n"
          "                          delayed. Latencies are also shown from each run's\n"
          "                          intended start (corrected for coordinated omission).\n"
          "                          With --stages: DURATION:RATE[:POOL],... the rate over\n"
          "                          time, e.g. 1m:100,2m:400,1m:100:50\n"
          "Locust 2.x model:\n"
          "  -T, --tags=TAGS         run only the tasks tagged with one of TAGS (names\n"
          "                          separated by commas or spaces; may be repeated)\n"
          "  -E, --exclude-tags=TAGS do not run the tasks tagged with any of TAGS\n"
          "      --stages=STAGES     drive the user count by stages instead of -c/-r:\n"
          "                          DURATION:USERS:SPAWN_RATE,... e.g.\n"
          "                          30s:100:10,2m:500:50,30s:0:50\n"
          "  Class=N                 as a class name argument: exactly N users of Class\n"
          "                          (overrides its fixed_count)\n"
          "\n"
          "Web UI:\n"
          "      --web-host=ADDR     address to bind the web UI to (default: all)\n"
          "  -P, --port, --web-port=PORT\n"
          "                          port of the web UI (default 8089; 0: any free port)\n"
          "      --web-auth=USER:PASSWORD\n"
          "                          require HTTP basic authentication for the web UI\n"
          "\n"
          "Distributed mode:\n"
          "      --master            run as the master of distributed slaves\n"
          "      --slave             run as a slave of a master\n"
          "      --master-host=HOST  master to connect to (--slave; default 127.0.0.1)\n"
          "      --master-port=PORT  master's port (--slave; default 5557; 0.9 masters\n"
          "                          also use PORT + 1)\n"
          "      --master-protocol=1|2\n"
          "                          master's protocol (--slave): 1 = Locust 0.9\n"
          "                          (default), 2 = Locust 2.x\n"
          "      --master-bind-host=ADDR\n"
          "                          address the master binds to (default * = all)\n"
          "      --master-bind-port=PORT\n"
          "                          port the master binds to (default 5557; also uses\n"
          "                          PORT + 1)\n"
          "      --expect-slaves=N   with --master --no-web: slaves to wait for before\n"
          "                          starting (default 1)\n"
          "      --processes=N       use N cores: run the users in N slave processes\n"
          "                          under this one as their master, all on this\n"
          "                          machine (default 1: no slaves)\n"
          "\n"
          "Statistics and logs:\n"
          "      --csv, --csv-base-name=BASE\n"
          "                          write BASE_requests.csv and BASE_distribution.csv\n"
          "      --csv-interval=SECONDS\n"
          "                          how often the CSV files are rewritten (default 2)\n"
          "      --print-stats       print the stats table every 2 s in any mode\n"
          "      --only-summary      print only the final summary\n"
          "      --reset-stats       reset the statistics once hatching is complete\n"
          "      --no-reset-stats    accepted and ignored (deprecated in Locust 0.9)\n"
          "  -L, --loglevel=LEVEL    DEBUG, INFO (default), WARNING, ERROR or CRITICAL\n"
          "      --logfile=FILE      append log lines to FILE instead of stderr\n"
          "\n",
          f);
    cli_options_2x_help(f);
    fputs("  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status: 0 when no request failed and every threshold passed; 1 when\n"
          "some request failed (or --exit-code-on-error's value) or the scenario could\n"
          "not be loaded; 2 for a bad command line or configuration; 3 when a\n"
          "threshold failed (it wins over 1). See locust-run(1).\n",
          f);
}
