/*
 * The open model in the web UI's stats JSON: an "open_model" object, present
 * only for scheduled runs (--rate, or paced users' corrected times and
 * dropped slots; so 0.9's document is unchanged otherwise), with the
 * rate, the dropped runs, how late runs started (on a process that runs the
 * schedule itself) and the precise percentiles of every entry, service and
 * corrected time apart.
 */
#include "web/web_internal.h"

#include <cjson/cJSON.h>
#include <locust/stats.h>
#include <stdlib.h>

static const struct {
    const char *key;
    double p;
} PCTS[] = {{"50", 0.5},     {"90", 0.9},       {"95", 0.95}, {"99", 0.99},
            {"99.9", 0.999}, {"99.99", 0.9999}, {"100", 1.0}};

/* {"50": ms, ..., "count": n} for one kind of time, or JSON null when it has no sample. */
static cJSON *percentiles(const locust_stats *s, size_t i, locust_time_kind kind)
{
    uint64_t n = locust_stats_entry_sample_count(s, i, kind);
    if (!n) return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    bool ok = cJSON_AddNumberToObject(o, "count", (double)n) != NULL;
    for (size_t k = 0; ok && k < sizeof(PCTS) / sizeof(PCTS[0]); k++) {
        double v = 0;
        locust_stats_entry_percentile_precise(s, i, kind, PCTS[k].p, &v);
        ok = cJSON_AddNumberToObject(o, PCTS[k].key, v) != NULL;
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static bool add_rows(cJSON *doc, const locust_stats *s)
{
    cJSON *rows = cJSON_AddArrayToObject(doc, "percentiles");
    if (!rows) return false;
    size_t n = locust_stats_entry_count(s);
    /* The same cut as the "stats" rows: at most LOCUST__WEB_MAX_ROWS, Total last. */
    size_t shown = n > LOCUST__WEB_MAX_ROWS - 1 ? LOCUST__WEB_MAX_ROWS - 1 : n;
    for (size_t j = 0; j <= shown; j++) {
        size_t i = j == shown ? n : j;
        locust_entry_info e;
        if (locust_stats_entry(s, i, &e) != 0) return false;
        cJSON *row = cJSON_CreateObject();
        if (!row || !cJSON_AddItemToArray(rows, row)) {
            cJSON_Delete(row);
            return false;
        }
        cJSON *service = percentiles(s, i, LOCUST_TIME_SERVICE);
        cJSON *corrected = percentiles(s, i, LOCUST_TIME_CORRECTED);
        /* Names and methods from slaves and scenarios may not be UTF-8: sanitized, as in the "stats" rows. */
        char *tmp_method, *tmp_name;
        const char *method = locust__utf8_clean(e.method, &tmp_method);
        const char *name = locust__utf8_clean(e.name, &tmp_name);
        bool ok = (e.method == NULL || method != NULL) && name != NULL &&
                  (method ? cJSON_AddStringToObject(row, "method", method)
                          : cJSON_AddNullToObject(row, "method")) &&
                  cJSON_AddStringToObject(row, "name", name) && service && corrected;
        free(tmp_method);
        free(tmp_name);
        if (ok) ok = cJSON_AddItemToObject(row, "service_ms", service);
        if (!ok) cJSON_Delete(service);
        if (ok) ok = cJSON_AddItemToObject(row, "corrected_ms", corrected);
        if (!ok) {
            cJSON_Delete(corrected);
            return false;
        }
    }
    return true;
}

cJSON *locust__web_open_model_json(locust_runner *r)
{
    const locust_stats *s = locust_runner_stats(r);
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    bool ok = cJSON_AddNumberToObject(o, "rate", locust_runner_rate(r)) &&
              cJSON_AddNumberToObject(o, "dropped_runs", (double)locust_stats_dropped_runs(s));
    locust_rate_info ri;
    if (ok && locust_runner_rate_info(r, &ri) == 0 && ri.started + ri.dropped > 0)
        ok = cJSON_AddNumberToObject(o, "achieved_rate", ri.achieved_rate) &&
             cJSON_AddNumberToObject(o, "started_runs", (double)ri.started) &&
             cJSON_AddNumberToObject(o, "pool_size", ri.pool_size) &&
             cJSON_AddNumberToObject(o, "late_p50_ms", ri.late_p50_ms) &&
             cJSON_AddNumberToObject(o, "late_p99_ms", ri.late_p99_ms) &&
             cJSON_AddNumberToObject(o, "late_max_ms", ri.late_max_ms);
    if (ok) ok = add_rows(o, s);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
