/*
 * The web UI (manual §3.3, docs/compatibility.md §6): Locust's routes and a live page with
 * charts, served from the runner's libev loop. Scenarios can add routes of
 * their own (manual ch. 10.1).
 */
#ifndef LOCUST_WEB_H
#define LOCUST_WEB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct locust_runner locust_runner;
typedef struct locust_web locust_web;
typedef struct locust_web_request locust_web_request;
typedef struct locust_web_response locust_web_response;

typedef struct locust_web_options {
    const char *host; /* bind address; NULL or "" = all interfaces */
    int port;         /* 0 = pick a free port (see locust_web_port()); the CLI's default is 8089 */
    const char *auth; /* "user:password" for HTTP basic auth, or NULL */
} locust_web_options;

/** Starts the web UI for a runner, on the runner's loop. */
int locust_web_new_sized(locust_web **out, locust_runner *r, const locust_web_options *opts,
                         size_t opts_size);
/** Starts the web UI (see locust_web_new_sized()); opts may be NULL. */
#define locust_web_new(out, r, ...)                                                                          \
    locust_web_new_sized((out), (r), (__VA_ARGS__), sizeof(locust_web_options))
/** Returns the port the web UI listens on. */
int locust_web_port(const locust_web *w);
/** Stops and frees the web UI (NULL is fine). */
void locust_web_free(locust_web *w);

/**
 * A route handler: fill `res`, return 0 (or a negative code for a 500).
 * Handlers run on the runner's loop and may use the runner API, but must
 * not free the web UI or the runner.
 */
typedef int (*locust_web_handler)(const locust_web_request *req, locust_web_response *res, void *udata);

/**
 * Adds a route (exact path match, method "GET", "POST", ... or NULL for
 * any) to the runner's web UI. May be called before the UI starts, e.g.
 * from a scenario's init function.
 */
int locust_web_route(locust_runner *r, const char *method, const char *path, locust_web_handler fn,
                     void *udata);

/** The request's method. */
const char *locust_web_request_method(const locust_web_request *req);
/** The request's path. */
const char *locust_web_request_path(const locust_web_request *req);
/** A query or form argument, or NULL. */
const char *locust_web_request_arg(const locust_web_request *req, const char *name);
/** A request header (case-insensitive name), or NULL. */
const char *locust_web_request_header(const locust_web_request *req, const char *name);
/** The request body (may be empty, never NULL). */
const char *locust_web_request_body(const locust_web_request *req, size_t *len);

/** Sets the status (default 200). */
void locust_web_response_status(locust_web_response *res, int status);
/** Adds a header. */
int locust_web_response_header(locust_web_response *res, const char *name, const char *value);
/** Appends to the body (capped at 16 MiB). */
int locust_web_response_write(locust_web_response *res, const void *data, size_t len);
/** Appends formatted text to the body. */
int locust_web_response_printf(locust_web_response *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* LOCUST_WEB_H */
