/*
 * locust-run's options for Locust 2.x's model: -T/--tags and
 * -E/--exclude-tags (2.x's spelling; 2.x takes several words after one
 * option, locust-run takes one value, repeated or comma separated),
 * --stages, and the "Class=N" class arguments (2.x has no per-class counts
 * on its command line: its UserClass arguments only select classes, which
 * a bare "Class" still does here).
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int add_tags(const char **v, size_t *n, const char *arg, const char *label, char *err, size_t errlen)
{
    bool any = false;
    for (const char *p = arg; *p; p++)
        if (*p != ',' && !isspace((unsigned char)*p)) any = true;
    if (!any) {
        snprintf(err, errlen, "option %s: no tag name in '%s'", label, arg);
        return -1;
    }
    if (*n >= CLI_MAX_TAG_ARGS) {
        snprintf(err, errlen, "option %s: given more than %d times", label, CLI_MAX_TAG_ARGS);
        return -1;
    }
    v[(*n)++] = arg;
    return 1;
}

int cli_options2x_parse(cli_options *o, int id, const char *arg, char *err, size_t errlen)
{
    switch (id) {
    case 'T':
        return add_tags(o->tags, &o->n_tags, arg, "-T/--tags", err, errlen);
    case 'E':
        return add_tags(o->exclude_tags, &o->n_exclude_tags, arg, "-E/--exclude-tags", err, errlen);
    case CLI_OPT_STAGES:
        /* Checked once all options are read: with --rate the stages give rates (cli_options2x_check_stages).
         */
        o->stages = arg;
        return 1;
    default:
        return 0;
    }
}

int cli_options2x_check_stages(const cli_options *o, char *err, size_t errlen)
{
    if (!o->stages) return 0;
    locust_stage st[LOCUST_MAX_STAGES];
    locust_rate_stage rst[LOCUST_MAX_STAGES];
    size_t n;
    char why[256];
    int rc = o->rate > 0 ? locust_rate_stages_parse(o->stages, rst, LOCUST_MAX_STAGES, &n, why, sizeof why)
                         : locust_stages_parse(o->stages, st, LOCUST_MAX_STAGES, &n, why, sizeof why);
    if (rc) {
        snprintf(err, errlen, "option --stages: %s", why);
        return -1;
    }
    return 0;
}

const char *cli_options2x_tags(const cli_options *o, bool exclude, char *buf, size_t len)
{
    const char *const *v = exclude ? o->exclude_tags : o->tags;
    size_t n = exclude ? o->n_exclude_tags : o->n_tags, off = 0;
    if (n == 0 || len == 0) return NULL;
    buf[0] = 0;
    for (size_t i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", v[i]);
    return buf;
}

int cli_class_arg(const char *arg, char *name, size_t len, int *count)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    snprintf(name, len, "%.*s", (int)n, arg);
    *count = -1;
    if (!eq) return 0;
    char *end;
    errno = 0;
    long v = strtol(eq + 1, &end, 10);
    if (!isdigit((unsigned char)eq[1]) || *end || errno || v > (long)LOCUST_MAX_USERS) return -1;
    *count = (int)v;
    return 0;
}
