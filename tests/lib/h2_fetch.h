/*
 * Fetching a scripted list of requests once over the session's own
 * connection and once through curl (locust__wire_force_curl()), keeping
 * everything the task and the statistics saw, and telling the
 * differences: the HTTP/2 differential tests (tests/test_http_h2*.c).
 */
#ifndef LOCUST_TEST_H2_FETCH_H
#define LOCUST_TEST_H2_FETCH_H

#include <locust/locust.h>
#include <stdbool.h>
#include <stddef.h>

#define H2_MAX_STEPS 8

/* One request of a case. */
typedef struct h2_step {
    const char *method, *path;  /* path: relative to the case's host */
    const char *body;           /* NULL: none */
    size_t body_len;            /* 0: strlen(body) */
    const char *const *headers; /* "Name: value" lines, NULL-terminated */
    const char *const *cookies; /* name, value pairs, NULL-terminated */
    bool no_redirects;
    double timeout;  /* 0: 5 s */
    double pause_ms; /* the user sleeps this long before the request */
} h2_step;

typedef struct h2_case {
    const char *name;
    h2_step steps[H2_MAX_STEPS];
} h2_case;

/* What one request gave the task. */
typedef struct h2_seen {
    int status;
    char reason[256];
    char hdrs[16384]; /* "name\0value\0"..., a Date's value blanked (it ticks) */
    size_t hdrs_len;
    char *body;
    size_t body_len;
    char error[1024];
    char url[512];
    int redirects;
    int curl_code;
    bool native; /* the last hop went over the wire */
    bool h2;     /* ... and its connection speaks HTTP/2 */
} h2_seen;

typedef struct h2_outcome {
    h2_seen seen[H2_MAX_STEPS];
    unsigned n;
    char stats[4096];
    char task_error[512];
} h2_outcome;

/* Runs the case's requests with one user (HTTP/2 asked for with .http2), through curl when `curl`. */
void h2_fetch(const h2_case *c, const char *host, const char *ca_bundle, bool curl, h2_outcome *out);
/* The differences of two outcomes (wire, curl) as text into rep; "" when they agree. */
void h2_compare(const h2_outcome *wire, const h2_outcome *curl, char *rep, size_t cap);
void h2_outcome_free(h2_outcome *o);
/* The runner's entries and errors as text, one line each (shared with test_http_diff). */
void fetch_stats_text(locust_runner *r, char *out, size_t cap);
/* Writes the origin `from` as `to` (no longer) in the outcome's URLs, errors and statistics. */
void h2_outcome_rehost(h2_outcome *o, const char *from, const char *to);

#endif /* LOCUST_TEST_H2_FETCH_H */
