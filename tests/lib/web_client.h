/*
 * Test helper of the web UI tests: blocking-looking HTTP requests made with
 * libcurl's multi interface while the runner's libev loop turns in the same
 * thread, so the server, the users and the client take turns and nothing
 * races the single-threaded core.
 */
#ifndef LOCUST_WEB_CLIENT_H
#define LOCUST_WEB_CLIENT_H

#include <stddef.h>

struct ev_loop;

typedef struct web_reply {
    long status; /* 0 when the request failed (see error) */
    char *body;  /* NUL-terminated */
    size_t len;
    char *headers; /* the raw header block */
    size_t headers_len;
    char error[256]; /* curl's error text */
} web_reply;

typedef struct web_req {
    const char *method; /* default "GET" */
    const char *body;   /* sent as application/x-www-form-urlencoded unless content_type says otherwise */
    size_t body_len;    /* 0 = strlen(body) */
    const char *content_type;
    const char *userpwd; /* "user:password" for basic auth */
    const char *header;  /* one extra "Name: value" header */
} web_req;

/* Sends a request to http://127.0.0.1:port + path and waits (at most 10 s) for the reply. */
int web_do(struct ev_loop *loop, int port, const char *path, const web_req *req, web_reply *out);
/* GET shortcut. */
int web_get(struct ev_loop *loop, int port, const char *path, web_reply *out);
/* POST of a form body. */
int web_post(struct ev_loop *loop, int port, const char *path, const char *form, web_reply *out);
/* The value of a response header (case-insensitive, first match) copied into buf, or NULL. */
const char *web_header(const web_reply *r, const char *name, char *buf, size_t len);
void web_reply_free(web_reply *r);

/* Check assertions on replies; they fail the running test. */
struct cJSON;
void web_assert_content_type(const web_reply *rep, const char *want);
/* GETs a JSON route, asserting 200 and application/json; free the result with cJSON_Delete. */
struct cJSON *web_get_json(struct ev_loop *loop, int port, const char *path);
/* Asserts an object has exactly `keys` (NULL-terminated), in that (sorted) order. */
void web_assert_keys(const struct cJSON *o, const char *const *keys);
/* A number or string member, asserting its type. */
double web_num(const struct cJSON *o, const char *key);
const char *web_str(const struct cJSON *o, const char *key);

/* Turns the loop for `seconds` (users run, the server serves). */
void web_pump(struct ev_loop *loop, double seconds);

#endif /* LOCUST_WEB_CLIENT_H */
