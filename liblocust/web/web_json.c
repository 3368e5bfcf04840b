/*
 * The web UI's reports: the /stats/requests and /exceptions documents
 * (docs/compatibility.md §6.3) built with cJSON, keys in the sorted order Flask emits, and
 * the exceptions CSV in Python's excel dialect.
 */
#include "web/web_internal.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cJSON's Add* return NULL when out of memory; one flag collects that. */
static void add_num(cJSON *o, const char *key, double v, bool *ok)
{
    if (!cJSON_AddNumberToObject(o, key, v)) *ok = false;
}

/*
 * Strings from slaves and scenarios (ids, names, errors, tracebacks) may
 * hold bytes that are not UTF-8; cJSON copies them as they are, which makes
 * the whole document invalid JSON. They go in sanitized (base/utf8.c).
 */
static void add_str(cJSON *o, const char *key, const char *v, bool *ok)
{
    char *tmp;
    const char *clean = locust__utf8_clean(v, &tmp);
    if (v && !clean)
        *ok = false;
    else if (!(clean ? cJSON_AddStringToObject(o, key, clean) : cJSON_AddNullToObject(o, key)))
        *ok = false;
    free(tmp);
}

static void add_item(cJSON *o, const char *key, cJSON *item, bool *ok)
{
    if (!item || !cJSON_AddItemToObject(o, key, item)) {
        cJSON_Delete(item);
        *ok = false;
    }
}

/* One row of "stats": 0.9's get_stripped_report() fields. */
static cJSON *entry_json(const locust_entry_info *e)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (!ok) return NULL;
    add_num(o, "avg_content_length", e->avg_content_length, &ok);
    add_num(o, "avg_response_time", e->avg_response_time, &ok);
    add_num(o, "current_rps", e->current_rps, &ok);
    add_num(o, "max_response_time", e->max_response_time, &ok);
    add_num(o, "median_response_time", e->median_response_time, &ok);
    add_str(o, "method", e->method, &ok);
    add_num(o, "min_response_time", e->has_min ? e->min_response_time : 0, &ok);
    add_str(o, "name", e->name, &ok);
    add_num(o, "num_failures", (double)e->num_failures, &ok);
    add_num(o, "num_requests", (double)e->num_requests, &ok);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/*
 * "stats": the sorted entries, then Total. 0.9 cuts the list at 500 rows,
 * which drops the Total row once there are 500 entries or more; here the
 * cut keeps 499 entries so that Total is always the last row (the page
 * pins it to the bottom of the table).
 */
static cJSON *stats_rows(const locust_stats *s, locust_entry_info *total, bool *ok)
{
    cJSON *rows = cJSON_CreateArray();
    if (!rows) return NULL;
    size_t n = locust_stats_entry_count(s);
    if (n > LOCUST__WEB_MAX_ROWS - 1) n = LOCUST__WEB_MAX_ROWS - 1;
    for (size_t i = 0; i < n && *ok; i++) {
        locust_entry_info e;
        if (locust_stats_entry(s, i, &e) != 0) break;
        cJSON *row = entry_json(&e);
        if (!row || !cJSON_AddItemToArray(rows, row)) {
            cJSON_Delete(row);
            *ok = false;
        }
    }
    if (*ok && locust_stats_total(s, total) == 0) {
        cJSON *row = entry_json(total);
        if (!row || !cJSON_AddItemToArray(rows, row)) {
            cJSON_Delete(row);
            *ok = false;
        }
    }
    return rows;
}

/* "errors": the first 500 rows of the error table, in insertion order. */
static cJSON *error_rows(const locust_stats *s, bool *ok)
{
    cJSON *rows = cJSON_CreateArray();
    if (!rows) return NULL;
    size_t n = locust_stats_error_count(s);
    if (n > LOCUST__WEB_MAX_ROWS) n = LOCUST__WEB_MAX_ROWS;
    for (size_t i = 0; i < n && *ok; i++) {
        locust_error_info e;
        if (locust_stats_error(s, i, &e) != 0) break;
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            *ok = false;
            break;
        }
        add_str(o, "error", e.error, ok);
        add_str(o, "method", e.method, ok);
        add_str(o, "name", e.name, ok);
        /* Sic: 0.9's spelling, which clients read. */
        add_num(o, "occurences", (double)e.occurrences, ok);
        if (!cJSON_AddItemToArray(rows, o)) {
            cJSON_Delete(o);
            *ok = false;
        }
    }
    return rows;
}

static cJSON *slave_rows(const locust_runner *r, bool *ok)
{
    cJSON *rows = cJSON_CreateArray();
    if (!rows) return NULL;
    size_t n = locust_runner_slave_count(r);
    for (size_t i = 0; i < n && *ok; i++) {
        locust_slave_info si;
        if (locust_runner_slave(r, i, &si) != 0) continue;
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            *ok = false;
            break;
        }
        add_str(o, "id", si.id, ok);
        add_str(o, "state", si.state, ok);
        add_num(o, "user_count", si.user_count, ok);
        if (!cJSON_AddItemToArray(rows, o)) {
            cJSON_Delete(o);
            *ok = false;
        }
    }
    return rows;
}

/*
 * "shape": present when a load shape is in control (Locust 2.x's web UI
 * hides the user count and rate then): its name, whether it runs, the
 * users and rate it asked for last, and for --stages the current stage.
 */
static void add_shape(cJSON *doc, const locust_runner *r, bool *ok)
{
    locust_shape_info si;
    if (locust_runner_shape_info(r, &si) || !si.configured) return;
    cJSON *o = cJSON_CreateObject();
    add_str(o, "name", si.name, ok);
    if (!cJSON_AddBoolToObject(o, "running", si.running)) *ok = false;
    add_num(o, "run_time", si.run_time, ok);
    add_num(o, "users", si.users, ok);
    add_num(o, "spawn_rate", si.spawn_rate, ok);
    add_num(o, "stage", (double)si.stage, ok);
    add_num(o, "stages", (double)si.stages, ok);
    add_item(doc, "shape", o, ok);
}

cJSON *locust__web_stats_json(locust_runner *r)
{
    const locust_stats *s = locust_runner_stats(r);
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    bool ok = true;
    double p;
    if (locust_stats_current_percentile(s, 0.5, &p))
        add_num(doc, "current_response_time_percentile_50", p, &ok);
    else if (!cJSON_AddNullToObject(doc, "current_response_time_percentile_50"))
        ok = false;
    if (locust_stats_current_percentile(s, 0.95, &p))
        add_num(doc, "current_response_time_percentile_95", p, &ok);
    else if (!cJSON_AddNullToObject(doc, "current_response_time_percentile_95"))
        ok = false;
    add_item(doc, "errors", error_rows(s, &ok), &ok);
    locust_entry_info total;
    memset(&total, 0, sizeof total);
    cJSON *rows = stats_rows(s, &total, &ok);
    add_num(doc, "fail_ratio", total.fail_ratio, &ok);
    /* Only for scheduled runs (--rate, paced users), so that 0.9's document is unchanged otherwise. */
    if (locust_runner_rate(r) > 0 || locust_stats_dropped_runs(s) > 0 ||
        locust_stats_entry_sample_count(s, locust_stats_entry_count(s), LOCUST_TIME_CORRECTED) > 0)
        add_item(doc, "open_model", locust__web_open_model_json(r), &ok);
    if (locust_runner_is_master(r)) add_item(doc, "slaves", slave_rows(r, &ok), &ok);
    add_str(doc, "state", locust_runner_state_name(locust_runner_state_get(r)), &ok);
    add_item(doc, "stats", rows, &ok);
    /* 0.9's "total_rps" is the Total row's current (not total) RPS. */
    add_num(doc, "total_rps", total.current_rps, &ok);
    add_num(doc, "user_count", locust_runner_user_count(r), &ok);
    add_shape(doc, r, &ok);
    if (!ok) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

cJSON *locust__web_exceptions_json(const locust_runner *r)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *rows = cJSON_AddArrayToObject(doc, "exceptions");
    if (!rows) {
        cJSON_Delete(doc);
        return NULL;
    }
    bool ok = true;
    size_t n = locust_runner_exception_count(r);
    for (size_t i = 0; i < n && ok; i++) {
        locust_exception_info e;
        if (locust_runner_exception(r, i, &e) != 0) continue;
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            ok = false;
            break;
        }
        add_num(o, "count", (double)e.count, &ok);
        add_str(o, "msg", e.msg, &ok);
        add_str(o, "nodes", e.nodes, &ok);
        add_str(o, "traceback", e.traceback, &ok);
        if (!cJSON_AddItemToArray(rows, o)) {
            cJSON_Delete(o);
            ok = false;
        }
    }
    if (!ok) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

int locust__web_csv_field(locust_web_response *res, const char *raw, bool last)
{
    char *tmp;
    const char *s = locust__utf8_clean(raw ? raw : "", &tmp);
    if (!s) return LOCUST_ENOMEM;
    /* QUOTE_MINIMAL: quote only a field holding the delimiter, a quote or a line break. */
    int err;
    if (strpbrk(s, ",\"\r\n")) {
        err = locust_web_response_write(res, "\"", 1);
        for (const char *p = s; *p && !err;) {
            size_t run = strcspn(p, "\"");
            err = locust_web_response_write(res, p, run);
            p += run;
            if (*p == '"' && !err) {
                err = locust_web_response_write(res, "\"\"", 2);
                p++;
            }
        }
        if (!err) err = locust_web_response_write(res, "\"", 1);
    } else {
        err = locust_web_response_write(res, s, strlen(s));
    }
    if (!err) err = locust_web_response_write(res, last ? "\r\n" : ",", last ? 2 : 1);
    free(tmp);
    return err;
}

int locust__web_exceptions_csv(const locust_runner *r, locust_web_response *res)
{
    int err = locust_web_response_write(res, "Count,Message,Traceback,Nodes\r\n", 31);
    size_t n = locust_runner_exception_count(r);
    for (size_t i = 0; i < n && !err; i++) {
        locust_exception_info e;
        if (locust_runner_exception(r, i, &e) != 0) continue;
        char count[32];
        snprintf(count, sizeof count, "%" PRIu64, e.count);
        err = locust__web_csv_field(res, count, false);
        if (!err) err = locust__web_csv_field(res, e.msg, false);
        if (!err) err = locust__web_csv_field(res, e.traceback, false);
        if (!err) err = locust__web_csv_field(res, e.nodes, true);
    }
    return err;
}

void locust__web_py_float(double v, char *buf, size_t len)
{
    /* Python's repr: the fewest decimals that read back as the same double. */
    for (int d = 1; d <= 17; d++) {
        snprintf(buf, len, "%.*f", d, v);
        if (strtod(buf, NULL) == v) return;
    }
}
