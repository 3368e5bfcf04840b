/*
 * Text helpers of the report layer and its per-runner state: the history
 * and the settings the web UI's /stats/report shows, kept in the runner's
 * report slot so that the web layer finds them without knowing the CLI.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "report/report_internal.h"

void locust__py_float(FILE *f, double v)
{
    if (isnan(v)) {
        fputs("nan", f);
        return;
    }
    if (isinf(v)) {
        fputs(v > 0 ? "inf" : "-inf", f);
        return;
    }
    char buf[40];
    int prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v) break;
    }
    /* Python's repr: scientific below 1e-4 and from 1e16 on, else positional with at least ".0". */
    snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    int exp10 = atoi(strchr(buf, 'e') + 1);
    if (exp10 < -4 || exp10 >= 16) {
        /* "1.5e-05": mantissa without trailing zeros, exponent with two digits at least. */
        char *e = strchr(buf, 'e');
        char mant[32];
        snprintf(mant, sizeof mant, "%.*s", (int)(e - buf), buf);
        size_t n = strlen(mant);
        if (strchr(mant, '.')) {
            while (n && mant[n - 1] == '0')
                mant[--n] = '\0';
            if (n && mant[n - 1] == '.') mant[--n] = '\0';
        }
        fprintf(f, "%se%c%02d", mant, exp10 < 0 ? '-' : '+', abs(exp10));
        return;
    }
    int decimals = prec - 1 - exp10;
    if (decimals < 1) decimals = 1;
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    /* The fixed form may carry zeros the shortest digits did not have. */
    size_t n = strlen(buf);
    while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
        buf[--n] = '\0';
    fputs(buf, f);
}

/*
 * The three writers below take strings from the network (slave ids,
 * request names, error texts) and from scenarios, which may hold bytes that
 * are not UTF-8: each writes the sanitized text (base/utf8.c), so that
 * every report is valid UTF-8 (and its JSON parses). Out of memory, a
 * string that needed a copy is written empty rather than raw.
 */
static void csv_field_clean(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void locust__csv_field(FILE *f, const char *s)
{
    char *tmp = NULL;
    const char *c = locust__utf8_clean(s, &tmp);
    csv_field_clean(f, c ? c : "");
    free(tmp);
}

void locust__json_string(FILE *f, const char *raw)
{
    char *tmp = NULL;
    const char *s = locust__utf8_clean(raw, &tmp);
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '/':
            /* "</script>" inside the HTML report's data must not end the script. */
            fputs(p > (const unsigned char *)s && p[-1] == '<' ? "\\/" : "/", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
    free(tmp);
}

void locust__json_number(FILE *f, double v)
{
    if (!isfinite(v))
        fputs("null", f);
    else if (v == floor(v) && fabs(v) < 1e15)
        fprintf(f, "%.0f", v);
    else
        fprintf(f, "%.17g", v);
}

void locust__xml_text(FILE *f, const char *raw)
{
    char *tmp = NULL;
    const char *s = locust__utf8_clean(raw, &tmp);
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
    free(tmp);
}

/* ---- per-runner state ---------------------------------------------------------- */

static void clear_settings(locust__report_state *st)
{
    free(st->locustfile);
    free(st->host);
    free(st->run_time);
    free(st->command_line);
    st->locustfile = st->host = st->run_time = st->command_line = NULL;
    memset(&st->settings, 0, sizeof st->settings);
}

static void state_free(void *p)
{
    locust__report_state *st = p;
    clear_settings(st);
    free(st);
}

locust__report_state *locust__report_state_of(locust_runner *r, bool create)
{
    locust__report_state *st = locust__runner_slot(r, LOCUST__SLOT_REPORT);
    if (st || !create) return st;
    st = calloc(1, sizeof *st);
    if (st) locust__runner_set_slot(r, LOCUST__SLOT_REPORT, st, state_free);
    return st;
}

locust_history *locust_runner_history(locust_runner *r)
{
    locust__report_state *st = r ? locust__report_state_of(r, false) : NULL;
    return st ? st->history : NULL;
}

void locust_history_attach(locust_runner *r, locust_history *h)
{
    locust__report_state *st = r ? locust__report_state_of(r, h != NULL) : NULL;
    if (st) st->history = h;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = true;
    return d;
}

int locust_report_set_settings(locust_runner *r, const locust_report_settings *in)
{
    if (!r) return LOCUST_EINVAL;
    locust__report_state *st = locust__report_state_of(r, in != NULL);
    if (!st) return in ? LOCUST_ENOMEM : 0;
    clear_settings(st);
    if (!in) return 0;
    bool oom = false;
    st->settings = *in;
    st->settings.locustfile = st->locustfile = dup_or_null(in->locustfile, &oom);
    st->settings.host = st->host = dup_or_null(in->host, &oom);
    st->settings.run_time = st->run_time = dup_or_null(in->run_time, &oom);
    st->settings.command_line = st->command_line = dup_or_null(in->command_line, &oom);
    if (oom) {
        clear_settings(st);
        return LOCUST_ENOMEM;
    }
    return 0;
}
