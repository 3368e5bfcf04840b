/*
 * locust-run's command line: Locust 0.9.0's options (docs/compatibility.md §5) with the same
 * names, meanings and defaults, plus a few of our own (--master-protocol,
 * --csv-interval, --web-auth, --seed) and Locust 1.x's --stop-timeout.
 * Parsing is separate from acting on the options so that it can be tested
 * on its own.
 */
#ifndef LOCUST_CLI_OPTIONS_H
#define LOCUST_CLI_OPTIONS_H

#include <getopt.h>
#include <locust/locust.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Most --threshold options on one command line. */
#define CLI_MAX_THRESHOLDS 64

/* Most positional class names accepted on one command line. */
#define CLI_MAX_CLASS_NAMES 256
/* Most -T or -E options on one command line. */
#define CLI_MAX_TAG_ARGS 32

typedef struct cli_options {
    const char *locustfile;       /* -f; default "locustfile" */
    const char *host;             /* -H, or NULL */
    const char *web_host;         /* --web-host; default "" (all interfaces) */
    int web_port;                 /* -P; default 8089, 0 = any free port */
    const char *web_auth;         /* --web-auth user:password, or NULL */
    bool master, slave;           /* --master wins when both are given, as in 0.9.0 */
    const char *master_host;      /* default "127.0.0.1" */
    int master_port;              /* default 5557 */
    const char *master_bind_host; /* default "*" */
    int master_bind_port;         /* default 5557 */
    int master_protocol;          /* 1 (Locust 0.9) or 2 (Locust 2.x); default 1 */
    unsigned expect_slaves;       /* default 1 */
    unsigned processes;           /* --processes: N local slaves under this process; default 1 = none */
    bool no_web;
    unsigned clients;          /* -c; default 1 */
    double hatch_rate;         /* -r; default 1 */
    const char *run_time;      /* -t as given; checked by cli_parse_timespan() after loading */
    double stop_timeout;       /* --stop-timeout in seconds (0: no grace), when stop_timeout_set */
    bool stop_timeout_set;     /* --stop-timeout was given */
    locust_log_level loglevel; /* -L; default INFO */
    const char *logfile;
    bool print_stats, only_summary, reset_stats;
    bool list, show_task_ratio, show_task_ratio_json, version, help;
    const char *csv_base; /* --csv / --csv-base-name */
    double csv_interval;  /* --csv-interval; default 2 s */
    uint64_t seed;        /* --seed; 0 = from the clock */
    bool seed_set;
    const char *class_names[CLI_MAX_CLASS_NAMES]; /* positional arguments ("Class" or "Class=N") */
    size_t n_class_names;
    /* Locust 2.x's options and the reports (options_2x.c). */
    bool autostart;                                  /* --autostart: start at once, keep the web UI */
    int autoquit;                                    /* --autoquit seconds; -1 = not given */
    bool csv_full_history;                           /* --csv-full-history */
    int exit_code_on_error;                          /* --exit-code-on-error; default 1 */
    const char *html_file;                           /* --html */
    bool json_stdout;                                /* --json */
    const char *json_file;                           /* --json-file */
    const char *junit_file;                          /* --junit */
    locust_threshold thresholds[CLI_MAX_THRESHOLDS]; /* --threshold, parsed */
    size_t n_thresholds;
    bool threshold_abort;    /* --threshold-abort */
    double threshold_grace;  /* --threshold-grace seconds; default 10 */
    const char *config_file; /* --config */
    /* The open model. */
    double rate; /* --rate: task runs per second for the whole test; 0 = closed model */
    /* Locust 2.x's model (cli/options2x.c). */
    const char *tags[CLI_MAX_TAG_ARGS]; /* -T/--tags, each "a,b" or "a b" */
    size_t n_tags;
    const char *exclude_tags[CLI_MAX_TAG_ARGS]; /* -E/--exclude-tags */
    size_t n_exclude_tags;
    const char *stages; /* --stages, checked by locust_stages_parse() */
} cli_options;

/*
 * Handles the options of Locust 2.x's model (-T/--tags, -E/--exclude-tags,
 * --stages). Returns 1 when `id` was one of them, 0 when not, -1 with a
 * message in `err` for a bad value.
 */
int cli_options2x_parse(cli_options *o, int id, const char *arg, char *err, size_t errlen);
/* Their long options and ids, for cli/options.c's table. */
enum { CLI_OPT_STAGES = 2000 }; /* above options_2x.c's ids (OPT_2X_FIRST + 0..99) */
#define CLI_OPTIONS2X_LONG                                                                                   \
    {"tags", required_argument, NULL, 'T'}, {"exclude-tags", required_argument, NULL, 'E'},                  \
        {"stages", required_argument, NULL, CLI_OPT_STAGES},
/* Checks --stages once all options are read: duration:users:spawn_rate, or with --rate duration:rate[:pool].
 */
int cli_options2x_check_stages(const cli_options *o, char *err, size_t errlen);
/* Joins the -T (exclude false) or -E values with commas into buf; NULL when none. */
const char *cli_options2x_tags(const cli_options *o, bool exclude, char *buf, size_t len);
/*
 * Splits a positional "Class=N" into the name (copied to `name`) and the
 * count; a bare "Class" gives *count -1. Returns 0, or -1 for a bad count.
 */
int cli_class_arg(const char *arg, char *name, size_t len, int *count);

/* Fills `o` with the defaults of Locust 0.9.0. */
void cli_options_defaults(cli_options *o);

/*
 * Parses argv into `o` (which it first sets to the defaults). Returns 0, or
 * -1 with a message naming the option at fault in `err` (a usage error:
 * exit status 2). Strings in `o` point into argv. Not reentrant: it uses
 * getopt_long(), and resets it first so that it may be called repeatedly.
 */
int cli_options_parse(cli_options *o, int argc, char **argv, char *err, size_t errlen);

/* ---- Locust 2.x's options (options_2x.c) ---- */

/* Option ids of options_2x.c; options.c's own ids stay below OPT_2X_FIRST. */
enum {
    OPT_2X_FIRST = 1000,
    OPT_2X_HEADLESS = OPT_2X_FIRST,
    OPT_2X_AUTOSTART,
    OPT_2X_AUTOQUIT,
    OPT_2X_CSV_FULL_HISTORY,
    OPT_2X_EXIT_CODE_ON_ERROR,
    OPT_2X_HTML,
    OPT_2X_JSON,
    OPT_2X_JSON_FILE,
    OPT_2X_JUNIT,
    OPT_2X_THRESHOLD,
    OPT_2X_THRESHOLD_ABORT,
    OPT_2X_THRESHOLD_GRACE,
    OPT_2X_CONFIG,
    OPT_2X_WORKER,
};
/* The long options of options_2x.c, ending with a NULL entry. */
extern const struct option cli_options_2x_long[];
/* Sets the defaults of the 2.x options (called by cli_options_defaults()). */
void cli_options_2x_defaults(cli_options *o);
/* Handles an option id of options_2x.c (or 'u'). Returns 0, or -1 with the message in err. */
int cli_options_2x_handle(cli_options *o, int id, const char *arg, char *err, size_t errlen);
/* Checks the combinations of the 2.x options once all are read. Returns 0 or -1. */
int cli_options_2x_check(const cli_options *o, char *err, size_t errlen);
/* Formats a usage error into err; returns -1. */
int cli_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes the 2.x part of --help. */
void cli_options_2x_help(FILE *f);
/* The whole table of long options (0.9's then 2.x's), for the config files' keys. */
const struct option *cli_options_table(void);

/* Writes the --help text. */
void cli_options_help(FILE *f);

/*
 * Parses a --run-time value as 0.9.0's parse_timespan: all digits are
 * seconds; otherwise "XhYmZs" parts matched at the start (trailing text is
 * ignored, at least one part must be present). "1h30mfoo" is 5400; "5M",
 * "q" and "" are errors. Returns 0 and the seconds in *out, or -1.
 */
int cli_parse_timespan(const char *s, uint64_t *out);

/*
 * Parses a --stop-timeout value: seconds as a decimal number ("0", "2.5")
 * or a timespan of whole units ("30s", "1m", "1h30m"). Unlike --run-time,
 * a new option need not copy 0.9.0's leniency, so the whole text must be
 * understood: "10sec", "-1", "1e3" and "" are errors. Returns 0 and the
 * seconds in *out, or -1.
 */
int cli_parse_seconds(const char *s, double *out);

/*
 * The runner's options for the command line: -H, --seed, --reset-stats and
 * --stop-timeout, each with the meaning it has on the command line (a
 * --seed or --stop-timeout of 0 is passed on as given, with its *_set flag).
 */
locust_runner_options cli_runner_options(const cli_options *o);

#endif /* LOCUST_CLI_OPTIONS_H */
