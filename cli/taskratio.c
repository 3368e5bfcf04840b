/*
 * Task ratios, as Locust 0.9.0's inspectlocust.get_task_ratio_dict():
 *
 *   classes: ratio = weight / (sum of the classes' weights)
 *   tasks:   ratio = (copies of the task in the expanded list)
 *                    / (length of the expanded list / parent_ratio)
 *
 * where parent_ratio is 1 for per-class output and the parent's own ratio
 * for the total. The floating-point operations are the same as Python's, in
 * the same order, so the printed digits match 0.9.0's. Entries are keyed by
 * name, so two different tasks with one name share an entry (the later one
 * wins, in the earlier one's place), as a Python dict does.
 */
#include "taskratio.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Entries in one tree at most: shared task sets nested deeply multiply. */
#define MAX_NODES 100000
/* Depth of the task set path followed at most (locust.h's nesting limit). */
#define MAX_DEPTH 64

typedef struct ratio_ctx {
    bool total;
    const locust_runner *filter; /* the tag filter's runner, or NULL */
    size_t nodes;
    const locust_taskset *path[MAX_DEPTH + 1];
    size_t depth;
    char *err;
    size_t errlen;
} ratio_ctx;

static int task_weight(const locust_task *t)
{
    return t->weight == LOCUST_WEIGHT_NEVER ? 0 : t->weight ? t->weight : 1;
}

/* The weight under the tag filter (--tags / --exclude-tags): 0 when filtered out. */
static int entry_weight(const ratio_ctx *c, const locust_taskset *ts, const locust_task *t)
{
    if (c->filter && !locust_runner_task_enabled(c->filter, ts, t)) return 0;
    return task_weight(t);
}

static bool task_end(const locust_task *t)
{
    return !t->fn && !t->taskset && !t->name;
}

/* Sets obj[key] = value, replacing an existing entry in its place (Python dict assignment). */
static bool dict_set(cJSON *obj, const char *key, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
    return cJSON_AddItemToObject(obj, key, value);
}

static cJSON *taskset_dict(ratio_ctx *c, const locust_taskset *ts, double parent_ratio);

/* {"ratio": r} plus, for a task set not already on the path, its "tasks". */
static cJSON *entry(ratio_ctx *c, double ratio, const locust_taskset *ts)
{
    if (++c->nodes > MAX_NODES) {
        snprintf(c->err, c->errlen, "the task tree has more than %d entries", MAX_NODES);
        return NULL;
    }
    cJSON *d = cJSON_CreateObject();
    if (!d || !cJSON_AddNumberToObject(d, "ratio", ratio)) goto oom;
    if (!ts) return d;
    for (size_t i = 0; i < c->depth; i++)
        if (c->path[i] == ts) return d; /* a cycle: 0.9.0 would recurse forever */
    if (c->depth >= MAX_DEPTH) return d;
    c->path[c->depth++] = ts;
    cJSON *tasks = taskset_dict(c, ts, c->total ? ratio : 1.0);
    c->depth--;
    if (!tasks) {
        cJSON_Delete(d);
        return NULL;
    }
    cJSON_AddItemToObject(d, "tasks", tasks);
    return d;
oom:
    cJSON_Delete(d);
    snprintf(c->err, c->errlen, "out of memory");
    return NULL;
}

static cJSON *taskset_dict(ratio_ctx *c, const locust_taskset *ts, double parent_ratio)
{
    cJSON *out = cJSON_CreateObject();
    if (!out) {
        snprintf(c->err, c->errlen, "out of memory");
        return NULL;
    }
    if (!ts || !ts->tasks) return out;
    size_t len = 0;
    for (const locust_task *t = ts->tasks; !task_end(t); t++)
        len += (size_t)entry_weight(c, ts, t);
    if (len == 0) return out;
    double divisor = (double)len / parent_ratio;
    size_t index = 0;
    for (const locust_task *t = ts->tasks; !task_end(t); t++, index++) {
        if (entry_weight(c, ts, t) == 0) continue;
        /* Count each callable or task set once, at its first occurrence. */
        bool seen = false;
        for (const locust_task *p = ts->tasks; p != t; p++)
            if (entry_weight(c, ts, p) && p->fn == t->fn && p->taskset == t->taskset) seen = true;
        if (seen) continue;
        size_t count = 0;
        for (const locust_task *p = t; !task_end(p); p++)
            if (p->fn == t->fn && p->taskset == t->taskset) count += (size_t)entry_weight(c, ts, p);
        char fallback[32];
        const char *name = t->name;
        if (!name && t->taskset && t->taskset->name) name = t->taskset->name;
        if (!name) {
            snprintf(fallback, sizeof fallback, "task%zu", index + 1);
            name = fallback;
        }
        cJSON *d = entry(c, (double)count / divisor, t->taskset);
        if (!d || !dict_set(out, name, d)) {
            if (d) snprintf(c->err, c->errlen, "out of memory");
            cJSON_Delete(d);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

cJSON *cli_task_ratio_dict(const locust_class *const *classes, size_t n, const locust_runner *filter,
                           bool total, char *err, size_t errlen)
{
    ratio_ctx c = {.total = total, .filter = filter, .err = err, .errlen = errlen};
    cJSON *out = cJSON_CreateObject();
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    long long divisor = 0;
    for (size_t i = 0; i < n; i++)
        divisor += classes[i]->weight ? classes[i]->weight : 10;
    for (size_t i = 0; i < n; i++) {
        const locust_class *cls = classes[i];
        int w = cls->weight ? cls->weight : 10;
        c.depth = 0;
        cJSON *d = entry(&c, divisor ? (double)w / (double)divisor : 0.0, cls->task_set);
        if (!d || !dict_set(out, cls->name ? cls->name : "(unnamed)", d)) {
            cJSON_Delete(d);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

/* ---- text output ------------------------------------------------------------------- */

/* Python's "%-Ns": pads to N code points (UTF-8 continuation bytes do not count). */
static void put_padded(FILE *f, const char *s, size_t width)
{
    size_t cps = 0;
    for (const char *p = s; *p; p++)
        if (((unsigned char)*p & 0xc0) != 0x80) cps++;
    fputs(s, f);
    for (; cps < width; cps++)
        fputc(' ', f);
}

static void print_tree(FILE *f, const cJSON *dict, int level)
{
    for (const cJSON *e = dict ? dict->child : NULL; e; e = e->next) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "ratio");
        double ratio = cJSON_IsNumber(r) ? r->valuedouble : 1;
        char pct[64], col1[256], col2[4096];
        snprintf(pct, sizeof pct, "%-6.1f", ratio * 100);
        snprintf(col1, sizeof col1, "%*s%s", 2 * level, "", pct);
        snprintf(col2, sizeof col2, "%*s%s", 2 * level, "", e->string);
        fputc(' ', f);
        put_padded(f, col1, 10);
        fputc(' ', f);
        put_padded(f, col2, 50);
        fputc('\n', f);
        const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(e, "tasks");
        if (tasks) print_tree(f, tasks, level + 1);
    }
}

int cli_task_ratio_print(FILE *f, const locust_class *const *classes, size_t n, const locust_runner *filter,
                         char *err, size_t errlen)
{
    cJSON *per_class = cli_task_ratio_dict(classes, n, filter, false, err, errlen);
    if (!per_class) return -1;
    cJSON *total = cli_task_ratio_dict(classes, n, filter, true, err, errlen);
    if (!total) {
        cJSON_Delete(per_class);
        return -1;
    }
    static const char rule[] =
        "--------------------------------------------------------------------------------";
    fprintf(f, "\n Task ratio per locust class\n%s\n", rule);
    print_tree(f, per_class, 0);
    fprintf(f, "\n Total task ratio\n%s\n", rule);
    print_tree(f, total, 0);
    cJSON_Delete(per_class);
    cJSON_Delete(total);
    return ferror(f) ? -1 : 0;
}

/* ---- JSON as Python writes it --------------------------------------------------------- */

void cli_py_float_repr(double v, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (v == 0) {
        snprintf(buf, len, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    /* The fewest significant digits that read back as the same double. */
    char e[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    /* e is "-d.ddde+XX": split it into sign, digits and the decimal exponent. */
    const char *p = e;
    bool neg = *p == '-';
    if (neg) p++;
    char digits[32];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    int decpt = exp10 + 1; /* digits d1 d2 ... stand for 0.d1d2... * 10^decpt */
    char out[64];
    size_t o = 0;
    if (neg) out[o++] = '-';
    if (decpt <= -4 || decpt > 16) {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, nd - 1);
            o += nd - 1;
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (decpt <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -decpt; i++)
            out[o++] = '0';
        memcpy(out + o, digits, nd);
        o += nd;
    } else if ((size_t)decpt >= nd) {
        memcpy(out + o, digits, nd);
        o += nd;
        for (size_t i = nd; i < (size_t)decpt; i++)
            out[o++] = '0';
        out[o++] = '.';
        out[o++] = '0';
    } else {
        memcpy(out + o, digits, (size_t)decpt);
        o += (size_t)decpt;
        out[o++] = '.';
        memcpy(out + o, digits + decpt, nd - (size_t)decpt);
        o += nd - (size_t)decpt;
    }
    out[o] = '\0';
    snprintf(buf, len, "%s", out);
}

/* Decodes one UTF-8 sequence; returns its length, or 0 when invalid. */
static size_t utf8_next(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) return *cp = s[0], 1;
    size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (!len || s[0] > 0xf4) return 0;
    unsigned v = s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return len;
}

/* A JSON string with ensure_ascii (json.dumps' default): all but printable ASCII escaped. */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp;
        size_t n = utf8_next(p, &cp);
        if (n == 0) cp = 0xfffd, n = 1; /* invalid bytes read as U+FFFD, as errors="replace" */
        p += n;
        switch (cp) {
        case '"':
            fputs("\\\"", f);
            continue;
        case '\\':
            fputs("\\\\", f);
            continue;
        case '\n':
            fputs("\\n", f);
            continue;
        case '\r':
            fputs("\\r", f);
            continue;
        case '\t':
            fputs("\\t", f);
            continue;
        case '\b':
            fputs("\\b", f);
            continue;
        case '\f':
            fputs("\\f", f);
            continue;
        }
        if (cp >= 0x20 && cp < 0x7f) {
            fputc((int)cp, f);
        } else if (cp < 0x10000) {
            fprintf(f, "\\u%04x", cp);
        } else {
            cp -= 0x10000;
            fprintf(f, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
        }
    }
    fputc('"', f);
}

int cli_py_json_dump(FILE *f, const cJSON *item)
{
    if (cJSON_IsObject(item)) {
        fputc('{', f);
        for (const cJSON *e = item->child; e; e = e->next) {
            put_json_string(f, e->string);
            fputs(": ", f);
            cli_py_json_dump(f, e);
            if (e->next) fputs(", ", f);
        }
        fputc('}', f);
    } else if (cJSON_IsArray(item)) {
        fputc('[', f);
        for (const cJSON *e = item->child; e; e = e->next) {
            cli_py_json_dump(f, e);
            if (e->next) fputs(", ", f);
        }
        fputc(']', f);
    } else if (cJSON_IsNumber(item)) {
        char buf[64];
        cli_py_float_repr(item->valuedouble, buf, sizeof buf);
        fputs(buf, f);
    } else if (cJSON_IsString(item)) {
        put_json_string(f, item->valuestring);
    } else if (cJSON_IsBool(item)) {
        fputs(cJSON_IsTrue(item) ? "true" : "false", f);
    } else {
        fputs("null", f);
    }
    return ferror(f) ? -1 : 0;
}

int cli_task_ratio_json(FILE *f, const locust_class *const *classes, size_t n, const locust_runner *filter,
                        char *err, size_t errlen)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *per_class = cli_task_ratio_dict(classes, n, filter, false, err, errlen);
    cJSON *total = per_class ? cli_task_ratio_dict(classes, n, filter, true, err, errlen) : NULL;
    if (!doc || !per_class || !total) {
        if (!doc) snprintf(err, errlen, "out of memory");
        cJSON_Delete(doc);
        cJSON_Delete(per_class);
        cJSON_Delete(total);
        return -1;
    }
    cJSON_AddItemToObject(doc, "per_class", per_class);
    cJSON_AddItemToObject(doc, "total", total);
    int rc = cli_py_json_dump(f, doc);
    fputc('\n', f);
    cJSON_Delete(doc);
    return rc;
}
