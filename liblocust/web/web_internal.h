/*
 * Internal interfaces of the web UI (web.c, web_request.c, web_routes.c,
 * web_json.c). The server is libmicrohttpd driven from the runner's libev
 * loop; requests and responses are plain buffers so that handlers, the
 * built-in ones and a scenario's own, never touch libmicrohttpd.
 */
#ifndef LOCUST_WEB_INTERNAL_H
#define LOCUST_WEB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core.h"

struct MHD_Connection;
struct MHD_PostProcessor;
struct cJSON;
enum MHD_ConnectionNotificationCode;

/* Largest request body accepted (a 413 beyond); forms and small JSON only. */
#define LOCUST__WEB_MAX_BODY (1024 * 1024)
/* Beyond this a body is not even read to its end: the connection is closed. */
#define LOCUST__WEB_MAX_DISCARD (64 * 1024 * 1024)
/* Largest response body a handler may build (web.h promises 16 MiB). */
#define LOCUST__WEB_MAX_RESPONSE (16 * 1024 * 1024)
/* Most form fields kept per request, and most headers per response. */
#define LOCUST__WEB_MAX_FIELDS  64
#define LOCUST__WEB_MAX_HEADERS 32
/* Most custom routes per runner. */
#define LOCUST__WEB_MAX_ROUTES 256
/* Rows of /stats/requests and errors kept, as 0.9 (the Total row always stays). */
#define LOCUST__WEB_MAX_ROWS 500
/* Connections served at once; more wait in the listen backlog. */
#define LOCUST__WEB_CONNECTIONS 256
/* Connections one client address may hold; more are closed at once (room for other clients). */
#define LOCUST__WEB_PER_IP 32
/* Seconds a connection may take to send a whole request head, however it trickles. */
#define LOCUST__WEB_HEAD_TIMEOUT 10
/* The lowest hatch rate /swarm takes (users per second): below, a test would hatch for ever. */
#define LOCUST__WEB_MIN_HATCH_RATE 0.001

typedef struct locust__web_field {
    char *name;
    char *value;
    size_t len;
} locust__web_field;

struct locust_web_request {
    locust_web *web;
    struct MHD_Connection *conn;
    const char *method; /* as sent; HEAD is routed like GET */
    const char *path;
    char *body; /* NUL-terminated, at most LOCUST__WEB_MAX_BODY bytes */
    size_t body_len, body_cap;
    bool too_big;                 /* the body went over the cap: answered with a 413 */
    unsigned long long received;  /* body bytes received, kept or not */
    struct MHD_PostProcessor *pp; /* form-urlencoded and multipart bodies only */
    locust__web_field fields[LOCUST__WEB_MAX_FIELDS];
    size_t n_fields;
};

struct locust_web_response {
    int status;
    struct {
        char *name;
        char *value;
    } headers[LOCUST__WEB_MAX_HEADERS];
    size_t n_headers;
    char *body;
    size_t len, cap;
    int error; /* the first failed write (ENOMEM, ETOOBIG): a 500 instead */
};

/* One custom route (locust_web_route). */
typedef struct locust__web_route {
    char *method; /* NULL = any method */
    char *path;
    locust_web_handler fn;
    void *udata;
} locust__web_route;

/* The custom routes of a runner, kept in its LOCUST__SLOT_WEB_ROUTES slot. */
typedef struct locust__web_routes {
    locust__web_route *v;
    size_t n, cap;
} locust__web_routes;

/* An embedded static file (web_assets_data.c, generated at build time). */
typedef struct locust__web_asset {
    const char *name; /* "app.js", served as /static/app.js */
    const char *content_type;
    const unsigned char *data; /* NUL-terminated */
    size_t len;
    const char *etag; /* quoted, from the file's checksum and size */
} locust__web_asset;

extern const locust__web_asset locust__web_assets[];
extern const size_t locust__web_asset_count;
const locust__web_asset *locust__web_asset_find(const char *name);

/* The connections being tracked against slow clients (web_conns.c). */
typedef struct locust__web_conn locust__web_conn;
typedef struct locust__web_conns {
    struct ev_loop *loop;
    locust__web_conn *head;          /* every open connection */
    ev_timer sweep;                  /* checks the head deadline while there are connections */
    unsigned long long refused, cut; /* since the last warning */
    double warned_at;
    bool warned;
} locust__web_conns;

/* ---- web.c ------------------------------------------------------------- */

/* The runner a web UI serves. */
locust_runner *locust__web_runner(const locust_web *w);

/* ---- web_request.c ----------------------------------------------------- */

void locust__web_request_init(locust_web_request *req, locust_web *w, struct MHD_Connection *conn,
                              const char *method, const char *path);
/* Appends upload data to the body (and the form parser); sets too_big past the cap. */
void locust__web_request_feed(locust_web_request *req, const char *data, size_t len);
/* The upload is complete: flushes the form parser (it holds the last field back). */
void locust__web_request_end_body(locust_web_request *req);
void locust__web_request_done(locust_web_request *req);
void locust__web_response_init(locust_web_response *res);
void locust__web_response_done(locust_web_response *res);
/* Looks up a response header set by a handler (case-insensitive), or NULL. */
const char *locust__web_response_get_header(const locust_web_response *res, const char *name);
/* Replaces the body with a JSON document and sets the content type. */
int locust__web_response_json(locust_web_response *res, int status, struct cJSON *doc);
/* A {"success": false, "message": ...} answer with the given status. */
int locust__web_response_error(locust_web_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The custom routes of a runner (NULL when none were added). */
locust__web_routes *locust__web_routes_of(locust_runner *r);

/* ---- web_routes.c ------------------------------------------------------ */

/*
 * Routes a request to a built-in or custom handler and fills `res`:
 * 404 for an unknown path, 405 (with Allow) for a known path and another
 * method.
 */
void locust__web_dispatch(locust_web *w, const locust_web_request *req, locust_web_response *res);
/* True when `path` belongs to a built-in route (custom routes may not shadow them). */
bool locust__web_is_builtin_path(const char *path);

/* ---- web_conns.c ------------------------------------------------------- */

void locust__web_conns_init(locust__web_conns *c, struct ev_loop *loop);
/* Stops the sweep; the connections themselves go with libmicrohttpd's CLOSED notifications. */
void locust__web_conns_stop(locust__web_conns *c);
/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback (cls: the locust__web_conns). */
void locust__web_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe);
/* A request head is complete: the connection is no longer timed. */
void locust__web_conn_head_done(struct MHD_Connection *conn);
/* A request is over: the connection waits for the next head, timed again. */
void locust__web_conn_request_done(locust__web_conns *c, struct MHD_Connection *conn);
/* libmicrohttpd refused a connection (a limit was reached): counted, and warned about. */
void locust__web_conns_refused(locust__web_conns *c);

/* ---- web_guard.c ------------------------------------------------------- */

/*
 * Whether an Authorization header value carries `user` and `pass` with
 * the Basic scheme (RFC 7617: the scheme name in any case). The comparison
 * takes the same time whatever the secret holds, and the decoded password
 * is compared with its length (a NUL byte does not end it).
 */
bool locust__web_basic_auth_ok(const char *header, const char *user, const char *pass);
/*
 * Whether a state-changing request may proceed: true without Origin and
 * Referer (curl, scripts), or when the one present (Origin first) names
 * the host the request was sent to (its Host header). Otherwise false, with
 * the reason in `why`.
 */
bool locust__web_same_origin(const locust_web_request *req, char *why, size_t len);

/* ---- web_json.c -------------------------------------------------------- */

/* The /stats/requests document (docs/compatibility.md §6.3). */
struct cJSON *locust__web_stats_json(locust_runner *r);
/* The open model's part of the stats JSON (web_openmodel.c); only in rate mode. */
struct cJSON *locust__web_open_model_json(locust_runner *r);
/* The /exceptions document. */
struct cJSON *locust__web_exceptions_json(const locust_runner *r);
/* The /exceptions/csv body: Python's csv excel dialect. */
int locust__web_exceptions_csv(const locust_runner *r, locust_web_response *res);

/* ---- web_report.c ------------------------------------------------------ */

/* GET /stats/report: the HTML report of the test so far (?download=1 as an attachment). */
int locust__web_route_report(const locust_web_request *req, locust_web_response *res, void *udata);
/* GET /metrics: Prometheus's text format. */
int locust__web_route_metrics(const locust_web_request *req, locust_web_response *res, void *udata);
/* Appends one CSV field with the excel dialect's minimal quoting. */
int locust__web_csv_field(locust_web_response *res, const char *s, bool last);
/* Formats Python's str(time.time()) into buf: shortest round-trip, at least one decimal. */
void locust__web_py_float(double v, char *buf, size_t len);

#endif /* LOCUST_WEB_INTERNAL_H */
