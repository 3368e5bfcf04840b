/*
 * Test helper: runs locust-demo-target (built in $LOCUST_BUILDDIR) on a free
 * loopback port for the duration of a test, so that test programs can run
 * in parallel. Used by the HTTP, CLI and web tests.
 */
#ifndef LOCUST_TEST_TARGET_H
#define LOCUST_TEST_TARGET_H

#include <stddef.h>
#include <sys/types.h>

typedef struct locust_test_target {
    pid_t pid; /* the server process, 0 when not running */
    unsigned port;
    char host[64]; /* "http://127.0.0.1:PORT": a class's host or --host */
    char port_file[256];
    char urls[8][512]; /* ring of buffers for locust_test_target_url() */
    unsigned next_url;
} locust_test_target;

/*
 * A blocking GET of `url` (10 s at most) whose body, NUL-terminated, goes to
 * `body` (at most cap - 1 bytes; a longer body fails). Returns curl's code
 * (CURLE_OK, 0, on success).
 */
int locust_test_http_get(const char *url, char *body, size_t cap);

/* Returns the path of the locust-demo-target program to run. */
const char *locust_test_target_program(void);

/*
 * Starts the server on port 0 and waits (at most 10 s) until it listens.
 * `args` are extra flags (NULL-terminated, may be NULL), e.g. --tls-cert and
 * --tls-key for HTTPS (then host is https://...). Returns 0, or -1
 * with the reason on stderr.
 */
int locust_test_target_start(locust_test_target *t, const char *const *args);

/* The path of tests/data/NAME in the source tree ($LOCUST_SRCDIR, else "."). */
void locust_test_data_path(char *out, size_t n, const char *name);

/*
 * Starts the server over TLS (its host is https://...) with the tests'
 * certificate, tests/data/tls-server.pem: self-signed for 127.0.0.1, so a
 * request verifies it with that file as its .ca_bundle. As
 * locust_test_target_start().
 */
int locust_test_target_start_tls(locust_test_target *t);

/*
 * Stops the server (SIGTERM, then SIGKILL after 5 s). Returns 0 when it
 * exited cleanly with status 0, else -1. Safe to call twice.
 */
int locust_test_target_stop(locust_test_target *t);

/* Returns host + path; valid until 8 more calls. */
const char *locust_test_target_url(locust_test_target *t, const char *path);

/* Requests the server served so far (its /counter), or -1 on error. */
long locust_test_target_counter(locust_test_target *t);

/* Sets the server's counter back to 0; returns 0 or -1. */
int locust_test_target_reset_counter(locust_test_target *t);

#endif /* LOCUST_TEST_TARGET_H */
