/*
 * Internals of locust-demo-target, shared by demo_target.c (the server and
 * its command line), demo_routes.c (what each route answers) and
 * demo_wait.c (requests held back: /delay and /hang).
 */
#ifndef LOCUST_DEMO_TARGET_H
#define LOCUST_DEMO_TARGET_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* Largest request body kept for /echo and /login. */
#define DEMO_MAX_BODY (8u * 1024 * 1024)
/* How long /hang holds a request before closing the connection. */
#define DEMO_HANG_SECONDS 60.0

/* One request being served. */
typedef struct demo_req {
    char *uri; /* the raw request target, with the query */
    struct MHD_Connection *conn;
    bool started; /* the handler saw the headers */
    bool wants_body;
    char *body;
    size_t body_len, body_cap;
    bool body_too_big;
    /* demo_wait.c: a held request */
    bool waiting;    /* in the wait list, suspended */
    bool resumed;    /* the wait is over */
    bool hang;       /* close instead of answering when resumed */
    double deadline; /* monotonic seconds */
    struct demo_req *wnext, *wprev;
    /* /slow/N: one body byte every slow_ms milliseconds */
    unsigned long slow_len;
    double slow_ms;
    double slow_next; /* monotonic seconds when the next byte may go */
} demo_req;

/* Most body bytes /slow/N sends (at one byte per interval, more is a test that never ends). */
#define DEMO_SLOW_MAX_BYTES 65536
/* Longest interval between two bytes of /slow/N, in milliseconds. */
#define DEMO_SLOW_MAX_MS 10000

/* demo_routes.c */
int demo_routes_init(void);
void demo_routes_free(void);
enum MHD_Result demo_route(demo_req *q, struct MHD_Connection *c, const char *url, const char *method);

/* demo_auth.c: fills the random seed of digest nonces (MHD_OPTION_DIGEST_AUTH_RANDOM). */
int demo_auth_init(size_t *len, const char **random);
/* /digest-auth/USER/PASS and /basic-auth/USER/PASS; *taken false for another URL. */
enum MHD_Result demo_route_auth(struct MHD_Connection *c, const char *url, bool *taken);

/* demo_target.c: what /counter reports. */
unsigned long long demo_served(void);
/* Requests whose response was sent completely (MHD's COMPLETED_OK). */
unsigned long long demo_completed(void);
/* Responses with a 5xx status. */
unsigned long long demo_server_errors(void);
void demo_count_server_error(void);
void demo_served_reset(void);
/* Monotonic seconds. */
double demo_mono(void);

/* demo_wait.c: suspends a request until `seconds` from now. */
int demo_wait_start(void);
void demo_wait(demo_req *q, double seconds, bool hang);
/* Forgets a request MHD is completing (it may still be in the list). */
void demo_wait_cancel(demo_req *q);
/* Resumes every held request, for shutdown. */
void demo_wait_stop(void);
/* True once demo_wait_stop() has begun: nothing is held any more. */
bool demo_wait_stopping(void);

#endif /* LOCUST_DEMO_TARGET_H */
