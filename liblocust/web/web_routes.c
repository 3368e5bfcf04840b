/*
 * Locust 0.9's routes (docs/compatibility.md §6.2), the static files of the page, and the
 * dispatch of a request to them or to a scenario's own routes.
 */
#include "web/web_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct builtin {
    const char *method;
    const char *path;
    locust_web_handler fn;
    bool changes_state; /* refused from another site (see locust__web_same_origin) */
} builtin;

static locust_runner *runner_of(const locust_web_request *req)
{
    return locust__web_runner(req->web);
}

static int json_message(locust_web_response *res, const char *msg)
{
    cJSON *doc = cJSON_CreateObject();
    if (doc && (!cJSON_AddStringToObject(doc, "message", msg) || !cJSON_AddTrueToObject(doc, "success"))) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    return locust__web_response_json(res, 200, doc);
}

/* ---- the page ---------------------------------------------------------------------- */

/* The host shown in the header: --host, else the first class's host (0.9's rule). */
static const char *page_host(locust_runner *r)
{
    const char *host = locust_runner_host(r);
    if ((!host || !*host) && locust_runner_class_count(r) > 0) host = locust_runner_class_at(r, 0)->host;
    return host && *host ? host : NULL;
}

static int write_escaped(locust_web_response *res, const char *s)
{
    int err = 0;
    for (; *s && !err; s++) {
        switch (*s) {
        case '&':
            err = locust_web_response_write(res, "&amp;", 5);
            break;
        case '<':
            err = locust_web_response_write(res, "&lt;", 4);
            break;
        case '>':
            err = locust_web_response_write(res, "&gt;", 4);
            break;
        case '"':
            err = locust_web_response_write(res, "&quot;", 6);
            break;
        case '\'':
            err = locust_web_response_write(res, "&#39;", 5);
            break;
        default:
            err = locust_web_response_write(res, s, 1);
        }
    }
    return err;
}

/*
 * GET /: index.html with its {{name}} placeholders filled in, HTML-escaped,
 * the way 0.9 renders its template with state, host, version and whether
 * the runner is a master.
 */
static int route_index(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    locust_runner *r = runner_of(req);
    const locust__web_asset *a = locust__web_asset_find("index.html");
    if (!a) return LOCUST_ENOENT;
    const char *host = page_host(r);
    char users[32], slaves[32];
    snprintf(users, sizeof users, "%u", locust_runner_user_count(r));
    snprintf(slaves, sizeof slaves, "%zu", locust_runner_slave_count(r));
    const struct {
        const char *key, *value;
    } vars[] = {
        {"{{host}}", host ? host : "None"},
        {"{{state}}", locust_runner_state_name(locust_runner_state_get(r))},
        {"{{is_distributed}}", locust_runner_is_master(r) ? "true" : "false"},
        {"{{user_count}}", users},
        {"{{slave_count}}", slaves},
        {"{{version}}", locust_version()},
    };
    const char *p = (const char *)a->data, *end = p + a->len;
    int err = 0;
    while (p < end && !err) {
        const char *open = strstr(p, "{{");
        if (!open) open = end;
        err = locust_web_response_write(res, p, (size_t)(open - p));
        p = open;
        if (p == end || err) break;
        size_t i = 0;
        for (; i < sizeof vars / sizeof vars[0]; i++)
            if (strncmp(p, vars[i].key, strlen(vars[i].key)) == 0) break;
        if (i < sizeof vars / sizeof vars[0]) {
            err = write_escaped(res, vars[i].value);
            p += strlen(vars[i].key);
        } else {
            err = locust_web_response_write(res, p, 2);
            p += 2;
        }
    }
    if (!err) err = locust_web_response_header(res, "Content-Type", "text/html; charset=utf-8");
    if (!err) err = locust_web_response_header(res, "Cache-Control", "no-store");
    return err;
}

const locust__web_asset *locust__web_asset_find(const char *name)
{
    for (size_t i = 0; i < locust__web_asset_count; i++)
        if (strcmp(locust__web_assets[i].name, name) == 0) return &locust__web_assets[i];
    return NULL;
}

/* GET /static/NAME: the embedded files, revalidated by ETag. */
static int route_static(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    const char *name = req->path + strlen("/static/");
    const locust__web_asset *a = locust__web_asset_find(name);
    /* index.html is a template: only "/" serves it, filled in. */
    if (!a || strcmp(name, "index.html") == 0)
        return locust__web_response_error(res, 404, "Not found: %s", req->path);
    int err = locust_web_response_header(res, "ETag", a->etag);
    if (!err) err = locust_web_response_header(res, "Cache-Control", "no-cache");
    const char *inm = locust_web_request_header(req, "If-None-Match");
    if (inm && strcmp(inm, a->etag) == 0) {
        locust_web_response_status(res, 304);
        return err;
    }
    if (!err) err = locust_web_response_header(res, "Content-Type", a->content_type);
    if (!err) err = locust_web_response_write(res, a->data, a->len);
    return err;
}

/* ---- controlling the runner --------------------------------------------------------- */

/* A whole number >= 0 (spaces around it allowed, as Python's int() does). */
static bool parse_count(const char *s, unsigned *out)
{
    if (!s) return false;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '+') s++;
    if (*s < '0' || *s > '9') return false;
    unsigned long long v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (unsigned)(*s - '0');
        if (v > 0xffffffffull) return false;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s) return false;
    *out = (unsigned)v;
    return true;
}

/*
 * A hatch rate of at least LOCUST__WEB_MIN_HATCH_RATE: a smaller one (5e-324
 * is a valid double) would leave the test "hatching" for ever.
 */
static bool parse_rate(const char *s, double *out)
{
    if (!s || !*s) return false;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == s || *end || !isfinite(v) || !(v >= LOCUST__WEB_MIN_HATCH_RATE)) return false;
    *out = v;
    return true;
}

/*
 * POST /swarm. 0.9 answers a missing or non-numeric field with a 500 (a
 * KeyError or ValueError in debug mode); a 400 naming the field is what
 * a client can act on.
 */
static int route_swarm(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    locust_runner *r = runner_of(req);
    unsigned count;
    double rate;
    /* Locust 2.x's tags from the start form: given fields replace the filter. */
    const char *tags = locust_web_request_arg(req, "tags");
    const char *exclude = locust_web_request_arg(req, "exclude_tags");
    if (tags || exclude) {
        int err = locust_runner_set_tags(r, tags ? tags : locust_runner_tags(r, false),
                                         exclude ? exclude : locust_runner_tags(r, true));
        if (err)
            return locust__web_response_error(res, err == LOCUST_ESTATE ? 409 : 400,
                                              "cannot set the tags: %s", locust_runner_last_error(r));
    }
    locust_shape_info si;
    locust_runner_shape_info(r, &si);
    if (si.configured) {
        /* A shape decides the user count; the form's numbers are not used. */
        int err = locust_runner_shape_start(r, false);
        if (err)
            return locust__web_response_error(res, 409, "cannot start the shape: %s",
                                              locust_runner_last_error(r));
        return json_message(res, "Swarming started using shape class");
    }
    if (!parse_count(locust_web_request_arg(req, "locust_count"), &count))
        return locust__web_response_error(res, 400, "locust_count must be a whole number >= 0");
    if (!parse_rate(locust_web_request_arg(req, "hatch_rate"), &rate))
        return locust__web_response_error(res, 400, "hatch_rate must be a number >= %g (users per second)",
                                          LOCUST__WEB_MIN_HATCH_RATE);
    int err = locust_runner_start(r, count, rate);
    if (err) {
        const char *why = locust_runner_last_error(r);
        return locust__web_response_error(res, err == LOCUST_ESTATE ? 409 : 400, "cannot start: %s",
                                          why && *why ? why : locust_strerror(err));
    }
    return json_message(res, "Swarming started");
}

static int route_stop(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    locust_runner *r = runner_of(req);
    int err = locust_runner_stop(r);
    if (err) {
        const char *why = locust_runner_last_error(r);
        return locust__web_response_error(res, 409, "cannot stop: %s",
                                          why && *why ? why : locust_strerror(err));
    }
    return json_message(res, "Test stopped");
}

static int route_reset(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    /* Like 0.9's reset_all: the error table is kept. */
    locust_runner_reset_stats(runner_of(req));
    int err = locust_web_response_header(res, "Content-Type", "text/html; charset=utf-8");
    return err ? err : locust_web_response_write(res, "ok", 2);
}

/* ---- reports ------------------------------------------------------------------------ */

static int route_requests_json(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    /*
     * Not memoized, unlike 0.9 (2 s): with at most 500 rows the document
     * is cheap, and a cached one would show stale numbers right after a
     * reset or a new swarm.
     */
    return locust__web_response_json(res, 200, locust__web_stats_json(runner_of(req)));
}

/* Sets the CSV headers of a download named PREFIX_<time>.csv. */
static int csv_headers(locust_web_response *res, const char *prefix)
{
    char now[64], disp[128];
    locust__web_py_float(locust__now(), now, sizeof now);
    snprintf(disp, sizeof disp, "attachment;filename=%s_%s.csv", prefix, now);
    int err = locust_web_response_header(res, "Content-Type", "text/csv");
    return err ? err : locust_web_response_header(res, "Content-Disposition", disp);
}

typedef int (*csv_writer)(const locust_stats *s, FILE *f);

static int stats_csv(const locust_web_request *req, locust_web_response *res, const char *prefix,
                     csv_writer write)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return LOCUST_ENOMEM;
    int err = write(locust_runner_stats(runner_of(req)), f);
    if (fclose(f) != 0 && !err) err = LOCUST_ENOMEM;
    if (!err) err = csv_headers(res, prefix);
    if (!err) err = locust_web_response_write(res, buf, len);
    free(buf);
    return err;
}

static int route_requests_csv(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    return stats_csv(req, res, "requests", locust_stats_write_requests_csv);
}

static int route_distribution_csv(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    return stats_csv(req, res, "distribution", locust_stats_write_distribution_csv);
}

static int route_exceptions(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    return locust__web_response_json(res, 200, locust__web_exceptions_json(runner_of(req)));
}

static int route_exceptions_csv(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    int err = csv_headers(res, "exceptions");
    return err ? err : locust__web_exceptions_csv(runner_of(req), res);
}

/* ---- dispatch ----------------------------------------------------------------------- */

static const builtin builtins[] = {
    {"GET", "/", route_index, false},
    {"POST", "/swarm", route_swarm, true},
    {"GET", "/stop", route_stop, true},
    {"GET", "/stats/reset", route_reset, true},
    {"GET", "/stats/requests", route_requests_json, false},
    {"GET", "/stats/requests/csv", route_requests_csv, false},
    {"GET", "/stats/distribution/csv", route_distribution_csv, false},
    {"GET", "/exceptions", route_exceptions, false},
    {"GET", "/exceptions/csv", route_exceptions_csv, false},
    {"GET", "/stats/report", locust__web_route_report, false},
    {"GET", "/metrics", locust__web_route_metrics, false},
};
#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

static bool is_static(const char *path)
{
    return strncmp(path, "/static/", 8) == 0;
}

bool locust__web_is_builtin_path(const char *path)
{
    for (size_t i = 0; i < N_BUILTINS; i++)
        if (strcmp(builtins[i].path, path) == 0) return true;
    return is_static(path);
}

/* Does a route of `route_method` (NULL: any) answer `method`? HEAD goes with GET. */
static bool method_ok(const char *route_method, const char *method)
{
    if (!route_method) return true;
    if (strcmp(route_method, method) == 0) return true;
    return strcmp(route_method, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

/* Appends a method to an Allow list (GET brings HEAD along). */
static void allow_add(char *allow, size_t len, const char *m)
{
    if (strstr(allow, m)) return;
    size_t n = strlen(allow);
    snprintf(allow + n, len - n, "%s%s%s", n ? ", " : "", m, strcmp(m, "GET") == 0 ? ", HEAD" : "");
}

/*
 * Runs a route's handler; one that changes state only for a request that
 * comes from no other site (a 403 naming the reason otherwise).
 */
static void run_handler(locust_web_handler fn, void *udata, bool changes_state, const locust_web_request *req,
                        locust_web_response *res)
{
    char why[512];
    if (changes_state && !locust__web_same_origin(req, why, sizeof why)) {
        locust__web_response_error(res, 403, "%s %s refused: %s", req->method, req->path, why);
        return;
    }
    int err = fn(req, res, udata);
    if (!err) err = res->error;
    if (err)
        locust__web_response_error(res, 500, "%s %s failed: %s", req->method, req->path,
                                   locust_strerror(err));
    else if (res->status != 204 && res->status != 304 &&
             !locust__web_response_get_header(res, "Content-Type"))
        /* Flask's default for a view that returns a string. */
        locust_web_response_header(res, "Content-Type", "text/html; charset=utf-8");
}

void locust__web_dispatch(locust_web *w, const locust_web_request *req, locust_web_response *res)
{
    char allow[128] = "";
    const char *method = req->method;
    for (size_t i = 0; i < N_BUILTINS; i++) {
        if (strcmp(builtins[i].path, req->path) != 0) continue;
        if (method_ok(builtins[i].method, method))
            return run_handler(builtins[i].fn, w, builtins[i].changes_state, req, res);
        allow_add(allow, sizeof allow, builtins[i].method);
    }
    if (!*allow && is_static(req->path)) {
        if (method_ok("GET", method)) return run_handler(route_static, w, false, req, res);
        allow_add(allow, sizeof allow, "GET");
    }
    locust__web_routes *rt = locust__web_routes_of(locust__web_runner(w));
    for (size_t i = 0; rt && i < rt->n; i++) {
        if (strcmp(rt->v[i].path, req->path) != 0) continue;
        /* A scenario's route changes state unless it is read with GET (or HEAD). */
        if (method_ok(rt->v[i].method, method))
            return run_handler(rt->v[i].fn, rt->v[i].udata, !method_ok("GET", method), req, res);
        allow_add(allow, sizeof allow, rt->v[i].method);
    }
    if (!*allow) {
        locust__web_response_error(res, 404, "Not found: %s", req->path);
        return;
    }
    if (strcmp(method, "OPTIONS") == 0) {
        locust_web_response_status(res, 204);
    } else {
        locust__web_response_error(res, 405, "Method %s not allowed for %s (allowed: %s)", method, req->path,
                                   allow);
    }
    locust_web_response_header(res, "Allow", allow);
}
