/*
 * Locust 2.x's task tags (@tag, --tags, --exclude-tags; locust/user/task.py's
 * filter_tasks_by_tags). A task's tags are its own, those of the task set
 * that holds it, and those inherited from every entry and task set above
 * it: tagging a task set tags all it holds, wherever it is used (2.x tags
 * the TaskSet class itself). A function task passes when it has one of the
 * --tags (if given) and none of the --exclude-tags; a nested task set passes
 * when it keeps at least one task. The filter rebuilds the compiled choices,
 * so running users draw only from what passed.
 */
#include "core/model.h"
#include "core/runner.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A task set inherits at most this many distinct tag strings. */
#define MAX_INHERITED 64

enum { F_FAIL = 0, F_PASS };

static bool is_sep(char c)
{
    return c == ',' || isspace((unsigned char)c);
}

/* True when the separated list `list` holds the token tok[0..len). */
static bool list_has(const char *list, const char *tok, size_t len)
{
    const char *p = list;
    while (p && *p) {
        while (*p && is_sep(*p))
            p++;
        size_t n = 0;
        while (p[n] && !is_sep(p[n]))
            n++;
        if (n && n == len && memcmp(p, tok, len) == 0) return true;
        p += n;
    }
    return false;
}

/* True when a token of `filter` is in one of the n tag lists. */
static bool any_match(const char *filter, const char *const *lists, size_t n)
{
    const char *p = filter;
    while (*p) {
        while (*p && is_sep(*p))
            p++;
        size_t len = 0;
        while (p[len] && !is_sep(p[len]))
            len++;
        for (size_t i = 0; len && i < n; i++)
            if (lists[i] && list_has(lists[i], p, len)) return true;
        p += len;
    }
    return false;
}

static bool add_inherited(locust__tsinfo *info, const char *tags)
{
    if (!tags || !*tags) return false;
    for (size_t i = 0; i < info->n_inherited; i++)
        if (info->inherited[i] == tags) return false;
    if (info->n_inherited >= MAX_INHERITED) return false;
    if (!info->inherited && !(info->inherited = calloc(MAX_INHERITED, sizeof *info->inherited))) return false;
    info->inherited[info->n_inherited++] = tags;
    return true;
}

/* Hands a task set's tags down to the task sets it holds, until nothing changes. */
static void propagate(locust__model *m, locust__tsinfo *info)
{
    for (const locust_task *t = info->def->tasks; t->fn || t->taskset || t->name; t++) {
        if (!t->taskset) continue;
        locust__tsinfo *child = locust__model_taskset(m, t->taskset);
        if (!child) continue;
        bool changed = add_inherited(child, t->tags);
        changed |= add_inherited(child, info->def->tags);
        for (size_t i = 0; i < info->n_inherited; i++)
            changed |= add_inherited(child, info->inherited[i]);
        if (changed) propagate(m, child);
    }
}

typedef struct filter_ctx {
    locust__model *m;
    locust__tsinfo *info; /* the task set being filtered */
    const char *tags, *exclude;
} filter_ctx;

/* Whether a function task of f->info passes the filter. */
static bool fn_passes(filter_ctx *f, const locust_task *t)
{
    const char *lists[MAX_INHERITED + 2];
    size_t n = 0;
    lists[n++] = t->tags;
    lists[n++] = f->info->def->tags;
    for (size_t i = 0; i < f->info->n_inherited; i++)
        lists[n++] = f->info->inherited[i];
    if (f->tags && !any_match(f->tags, lists, n)) return false;
    if (f->exclude && any_match(f->exclude, lists, n)) return false;
    return true;
}

static bool keep_task(const locust_task *t, void *ud)
{
    filter_ctx *f = ud;
    if (!t->taskset) return fn_passes(f, t);
    locust__tsinfo *child = locust__model_taskset(f->m, t->taskset);
    return child && child->filter_state == F_PASS;
}

/*
 * A task set passes when it keeps a function task, or holds a task set
 * that passes. Task sets may hold each other (or themselves), so the
 * verdicts are found by iterating to a fixed point: everything starts as
 * failing, and a verdict only ever turns to passing. A task set that holds
 * nothing but itself thus fails, rather than nesting until the limit.
 */
static void decide(filter_ctx *f)
{
    size_t n = locust__model_count(f->m);
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < n; i++) {
            locust__tsinfo *info = locust__model_at(f->m, i);
            if (info->filter_state == F_PASS) continue;
            f->info = info;
            for (const locust_task *t = info->def->tasks; t->fn || t->taskset || t->name; t++) {
                if (t->weight == LOCUST_WEIGHT_NEVER || !keep_task(t, f)) continue;
                info->filter_state = F_PASS;
                changed = true;
                break;
            }
        }
    }
}

int locust__tags_apply(locust_runner *r, char *err, size_t errlen)
{
    locust__model *m = locust__runner_model(r);
    filter_ctx f = {.m = m, .tags = locust__model_tags(m, false), .exclude = locust__model_tags(m, true)};
    size_t n = locust__model_count(m);
    for (size_t i = 0; i < n; i++) {
        locust__tsinfo *info = locust__model_at(m, i);
        info->n_inherited = 0;
        info->filter_state = F_FAIL;
        if (!f.tags && !f.exclude && locust__model_build_choices(info, NULL, NULL)) return LOCUST_ENOMEM;
    }
    if (!f.tags && !f.exclude) return 0;
    for (size_t i = 0; i < n; i++)
        propagate(m, locust__model_at(m, i));
    decide(&f);
    for (size_t i = 0; i < n; i++) {
        f.info = locust__model_at(m, i);
        if (locust__model_build_choices(f.info, keep_task, &f)) return LOCUST_ENOMEM;
    }
    for (size_t c = 0; c < locust_runner_class_count(r); c++) {
        const locust_class *cls = locust_runner_class_at(r, c);
        locust__tsinfo *root = locust__model_taskset(m, cls->task_set);
        if (root && root->n_choices == 0) {
            snprintf(err, errlen,
                     "class '%s' has no task left after filtering by tags (--tags %s, --exclude-tags %s)",
                     cls->name, f.tags ? f.tags : "(none)", f.exclude ? f.exclude : "(none)");
            return LOCUST_ECLASS;
        }
    }
    return 0;
}

int locust_runner_set_tags(locust_runner *r, const char *tags, const char *exclude_tags)
{
    if (!r) return LOCUST_EINVAL;
    locust_runner_state s = locust_runner_state_get(r);
    if (s != LOCUST_STATE_READY && s != LOCUST_STATE_STOPPED)
        return locust__runner_error(r, LOCUST_ESTATE, "tags can only be changed while no test runs");
    locust__model *m = locust__runner_model(r);
    char *old_tags = locust__model_tags(m, false) ? locust__strdup(locust__model_tags(m, false)) : NULL;
    char *old_excl = locust__model_tags(m, true) ? locust__strdup(locust__model_tags(m, true)) : NULL;
    int err = locust__model_set_filter(m, tags, exclude_tags);
    char msg[512] = "";
    if (!err) err = locust__tags_apply(r, msg, sizeof msg);
    if (err) {
        /* A filter that leaves a class without tasks is refused; the previous one stays. */
        locust__model_set_filter(m, old_tags, old_excl);
        locust__tags_apply(r, NULL, 0);
        if (msg[0]) locust__runner_error(r, err, "%s", msg);
    }
    free(old_tags);
    free(old_excl);
    return err;
}

const char *locust_runner_tags(const locust_runner *r, bool exclude)
{
    return r ? locust__model_tags(locust__runner_model((locust_runner *)r), exclude) : NULL;
}

bool locust_runner_task_enabled(const locust_runner *r, const locust_taskset *ts, const locust_task *t)
{
    if (!r || !ts || !t) return false;
    locust__tsinfo *info = locust__model_taskset(locust__runner_model((locust_runner *)r), ts);
    if (!info) return false;
    for (size_t i = 0; i < info->n_choices; i++)
        if (info->choices[i] == t) return true;
    return false;
}
