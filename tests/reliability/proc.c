/* Child processes and numbers for the reliability tests; see proc.h. */
#include "proc.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rely_scenario(void)
{
    static char path[1024];
    const char *dir = getenv("LOCUST_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/reliability/rely.c", dir && *dir ? dir : ".");
    return path;
}

void rely_setup(void)
{
    cli_test_setup();
    rely_proc p;
    ck_assert_int_eq(rely_start_run(&p, NULL, 0, RELY_ARGS("--list")), 0);
    int rc = rely_wait(&p, 120);
    ck_assert_msg(rc == 0, "cannot build %s (exit %d):\n%s", rely_scenario(), rc, rely_tail(p.err));
    rely_free(&p);
}

void rely_teardown(void)
{
    cli_test_teardown();
}

void rely_setup_with_target(locust_test_target *t)
{
    rely_setup();
    ck_assert_int_eq(locust_test_target_start(t, NULL), 0);
}

void rely_teardown_with_target(locust_test_target *t)
{
    locust_test_target_stop(t);
    rely_teardown();
}

locust_test_target rely_target;

void rely_fixture_setup(void)
{
    rely_setup_with_target(&rely_target);
}

void rely_fixture_teardown(void)
{
    rely_teardown_with_target(&rely_target);
}

int rely_start(rely_proc *p, const char *const *argv, const char *const *env, long nofile)
{
    return cli_proc_start_limited(p, cli_tmpdir, NULL, argv, env, nofile);
}

int rely_start_run(rely_proc *p, const char *const *env, long nofile, const char *const *args)
{
    const char *argv[64] = {"-f", rely_scenario()};
    size_t n = 2;
    for (size_t i = 0; args[i] != NULL && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    cli_start_limited_v(p, NULL, env, nofile, argv);
    return 0;
}

/* ---- the numbers -------------------------------------------------------------------- */

bool rely_csv_row(const char *csv, const char *method, const char *name, rely_row *out)
{
    char key[600];
    snprintf(key, sizeof key, "\"%s\",\"%s\",", method, name);
    for (const char *p = csv; p != NULL && (p = strstr(p, key)) != NULL; p++) {
        if (p != csv && p[-1] != '\n') continue;
        memset(out, 0, sizeof *out);
        return sscanf(p + strlen(key), "%ld,%ld,%ld,%ld,%ld,%ld", &out->requests, &out->failures,
                      &out->median, &out->avg, &out->min, &out->max) == 6;
    }
    return false;
}

bool rely_begun_returned(const char *log, long *begun, long *returned)
{
    *begun = *returned = 0;
    bool any = false;
    for (const char *p = log; (p = strstr(p, "rely: ")) != NULL; p++) {
        long b, r;
        if (sscanf(p, "rely: %ld requests begun, %ld returned", &b, &r) == 2) {
            *begun += b;
            *returned += r;
            any = true;
        }
    }
    return any;
}

static long json_long(const char *body, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(body, k);
    return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

bool rely_target_counts(locust_test_target *t, rely_counts *out)
{
    char body[512];
    int rc = locust_test_http_get(locust_test_target_url(t, "/counter"), body, sizeof body);
    out->requests = json_long(body, "requests");
    out->completed = json_long(body, "completed");
    out->server_errors = json_long(body, "server_errors");
    return rc == CURLE_OK && out->requests >= 0 && out->completed >= 0 && out->server_errors >= 0;
}

double rely_number_after(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtod(p + strlen(key), NULL) : -1;
}
