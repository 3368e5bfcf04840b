/*
 * libFuzzer harness: what the web UI writes from untrusted names. Request
 * names, methods, error texts and task exceptions come from the scenario
 * and from the target (URLs, error messages, slaves' reports), so any bytes
 * may reach /stats/requests (JSON), /exceptions (JSON) and /exceptions/csv.
 * The input is a list of records:
 *   kind(1) method(len8 + bytes) name(len8 + bytes) time(2, ms) text(len16 + bytes)
 * kind & 3: 0 success, 1 failure (text = error), 2 exception (text = message,
 * name = traceback), 3 a float for locust__web_py_float (8 raw bytes in text;
 * only its domain, times since the epoch, is checked).
 * The documents must be valid JSON that gives every string back as it went
 * in, the CSV must read back (Python's excel dialect) to the same fields,
 * and Python's repr of a float must read back as the same double.
 */
#include "web/web_internal.h"

#include <cjson/cJSON.h>
#include <locust/stats.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

/* A string of the input (cut at its first NUL: C strings), malloc'ed; NULL when the input ends. */
static char *take(reader *r, size_t lenbytes)
{
    if (r->left < lenbytes) return NULL;
    size_t n = r->p[0];
    if (lenbytes == 2) n = n << 8 | r->p[1];
    r->p += lenbytes;
    r->left -= lenbytes;
    if (n > r->left) n = r->left;
    char *s = malloc(n + 1);
    if (s == NULL) abort();
    memcpy(s, r->p, n);
    s[n] = '\0';
    r->p += n;
    r->left -= n;
    return s;
}

/* Reads the next CSV field of Python's excel dialect at *p; returns it malloc'ed, *end set to the delimiter.
 */
static char *csv_field(const char **p, char *end)
{
    const char *s = *p;
    size_t cap = strlen(s) + 1, n = 0;
    char *out = malloc(cap);
    if (out == NULL) abort();
    if (*s == '"') {
        s++;
        for (;;) {
            if (*s == '\0') abort(); /* an unterminated quoted field */
            if (*s == '"') {
                if (s[1] == '"') {
                    out[n++] = '"';
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            out[n++] = *s++;
        }
    } else {
        while (*s && *s != ',' && *s != '\r' && *s != '\n')
            out[n++] = *s++;
    }
    out[n] = '\0';
    *end = *s;
    if (*s == ',')
        s++;
    else if (s[0] == '\r' && s[1] == '\n')
        s += 2;
    else
        abort(); /* a field must end with a delimiter or the line's CRLF */
    *p = s;
    return out;
}

static void check_json_strings(const cJSON *rows, const char *key, size_t expect_min)
{
    size_t n = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
        if (v != NULL && !cJSON_IsString(v) && !cJSON_IsNull(v)) abort();
        n++;
    }
    if (n < expect_min) abort();
}

/* Prints a document, reads it back, and checks that both print the same: nothing was lost. */
static cJSON *round_trip(cJSON *doc)
{
    if (doc == NULL) return NULL; /* out of memory is allowed */
    char *text = cJSON_PrintUnformatted(doc);
    if (text == NULL) abort();
    cJSON *back = cJSON_Parse(text);
    if (back == NULL) abort(); /* not valid JSON */
    char *again = cJSON_PrintUnformatted(back);
    if (again == NULL || strcmp(text, again) != 0) abort();
    free(text);
    free(again);
    cJSON_Delete(doc);
    return back;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384) return 0;
    locust_runner *r;
    locust_runner_options o = {.seed = 1};
    if (locust_runner_new(&r, &o) != 0) return 0;
    locust_stats *s = locust_runner_stats(r);
    reader rd = {data, size};
    char *exc_msg[64], *exc_tb[64];
    size_t n_exc = 0, n_entries = 0;
    while (rd.left > 0) {
        uint8_t kind = *rd.p++;
        rd.left--;
        char *method = take(&rd, 1), *name = take(&rd, 1), *text = NULL;
        uint16_t ms = 0;
        if (method && name && rd.left >= 2) {
            ms = (uint16_t)(rd.p[0] << 8 | rd.p[1]);
            rd.p += 2;
            rd.left -= 2;
            text = take(&rd, 2);
        }
        if (text != NULL) {
            switch (kind & 3) {
            case 0:
                if (locust_stats_log_success(s, method, name, ms, (int64_t)strlen(text)) == 0) n_entries++;
                break;
            case 1:
                if (locust_stats_log_failure(s, method, name, ms, text) == 0) n_entries++;
                break;
            case 2:
                if (locust_runner_log_exception(r, method, text, name) == 0 && n_exc < 64) {
                    exc_msg[n_exc] = strdup(text);
                    exc_tb[n_exc] = strdup(name);
                    n_exc++;
                }
                break;
            default:
                if (strlen(text) >= 8) {
                    double v;
                    memcpy(&v, text, 8);
                    /* Its domain: time.time() values (it prints fixed-point, as str() does there). */
                    if (isfinite(v) && v >= 1 && v < 1e12) {
                        char buf[64];
                        locust__web_py_float(v, buf, sizeof buf);
                        if (strtod(buf, NULL) != v) abort();
                    }
                }
            }
        }
        free(method);
        free(name);
        free(text);
    }

    cJSON *stats = round_trip(locust__web_stats_json(r));
    if (stats != NULL) {
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(stats, "stats");
        /* Every entry (up to the 499 kept) and the Total row. */
        check_json_strings(rows, "name", 1);
        check_json_strings(cJSON_GetObjectItemCaseSensitive(stats, "errors"), "error", 0);
        /* The names went through unchanged. */
        const cJSON *row;
        cJSON_ArrayForEach(row, rows)
        {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(row, "name");
            const cJSON *method = cJSON_GetObjectItemCaseSensitive(row, "method");
            if (!cJSON_IsString(name)) abort();
            if (cJSON_IsString(method) && strcmp(name->valuestring, "Total") != 0 &&
                locust_stats_find(s, name->valuestring, method->valuestring, &(locust_entry_info){0}) != 0)
                abort();
        }
        cJSON_Delete(stats);
    }
    cJSON_Delete(round_trip(locust__web_exceptions_json(r)));

    /* /exceptions/csv reads back to the same messages and tracebacks, in order. */
    locust_web_response res;
    locust__web_response_init(&res);
    if (locust__web_exceptions_csv(r, &res) == 0 && res.body != NULL) {
        char *body = malloc(res.len + 1);
        if (body == NULL) abort();
        memcpy(body, res.body, res.len);
        body[res.len] = '\0';
        if (strlen(body) != res.len) abort(); /* no NUL inside */
        const char *p = body + strlen("Count,Message,Traceback,Nodes\r\n");
        size_t nrows = locust_runner_exception_count(r);
        for (size_t i = 0; i < nrows; i++) {
            char end, *f[4];
            for (int k = 0; k < 4; k++) {
                f[k] = csv_field(&p, &end);
                if ((k < 3) != (end == ',')) abort();
            }
            locust_exception_info e;
            if (locust_runner_exception(r, i, &e) != 0) abort();
            if (strcmp(f[1], e.msg) != 0 || strcmp(f[2], e.traceback) != 0) abort();
            for (int k = 0; k < 4; k++)
                free(f[k]);
        }
        if (*p != '\0') abort();
        free(body);
    }
    locust__web_response_done(&res);
    for (size_t i = 0; i < n_exc; i++) {
        free(exc_msg[i]);
        free(exc_tb[i]);
    }
    (void)n_entries;
    locust_runner_free(r);
    return 0;
}
