/*
 * The master's tag filter on a slave or worker. A Locust 2.x master sends
 * its --tags/--exclude-tags in every spawn message, under "parsed_options";
 * a liblocust master sends them the same way in its hatch jobs when it has
 * a filter (dist_hatch.c). Either way the slave applies them when a test
 * starts (2.12.1's worker filters its tasks then, and only then):
 *
 *  - a key that is there replaces the slave's filter, nil meaning "no
 *    filter" (2.12.1's worker does the same: the master's options win);
 *  - without the keys (a liblocust master with no filter, a 0.9 master),
 *    the slave runs with its own filter, the one it started with.
 *
 * A filter the slave cannot apply (it would leave one of its classes with
 * no task: a slave with another scenario than its master) is an error the
 * slave logs; it then runs no user in that test rather than tasks the
 * master's filter excluded.
 */
#include "dist/dist_internal.h"

#include <stdlib.h>
#include <string.h>

#define LOG "locust.runners"
/* The longest filter (the names joined by commas) taken from a master. */
#define MAX_FILTER 4096
/* The most names in one list. */
#define MAX_NAMES 256

/*
 * Reads a list of tag names (2.x: a list of str; a str is taken as one
 * filter string) into out, joined by commas; "" for nil or an empty list.
 * False when it is neither, or too long.
 */
static bool read_list(const msgpack_object *o, char *out, size_t cap)
{
    out[0] = 0;
    const char *p;
    size_t len, used = 0;
    if (o->type == MSGPACK_OBJECT_NIL) return true;
    if (locust__mp_bytes(o, &p, &len)) {
        if (len >= cap || memchr(p, 0, len)) return false;
        memcpy(out, p, len);
        out[len] = 0;
        return true;
    }
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > MAX_NAMES) return false;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        if (!locust__mp_bytes(&o->via.array.ptr[i], &p, &len) || memchr(p, 0, len) || memchr(p, ',', len))
            return false;
        if (used + len + 2 > cap) return false;
        if (used) out[used++] = ',';
        memcpy(out + used, p, len);
        used += len;
        out[used] = 0;
    }
    return true;
}

static bool same(const char *a, const char *b)
{
    if (!a || !*a) return !b || !*b;
    return b && strcmp(a, b) == 0;
}

static char *dup_or_null(const char *s)
{
    return s ? locust__strdup(s) : NULL;
}

/*
 * The master's side `key` of the filter, when it sent one: *want then points
 * to it (in buf, MAX_FILTER bytes). False (logged) when it is not a list of names.
 */
static bool master_side(const msgpack_object *po, const char *key, char *buf, const char **want)
{
    const msgpack_object *o = po && po->type == MSGPACK_OBJECT_MAP ? locust__mp_get(po, key) : NULL;
    if (!o) return true;
    if (!read_list(o, buf, MAX_FILTER)) {
        locust_log(LOCUST_LOG_ERROR, LOG,
                   "The master's %s are not a list of names (at most %d, %d bytes in all): running no user",
                   key, MAX_NAMES, MAX_FILTER);
        return false;
    }
    *want = buf;
    return true;
}

int locust__node_apply_tags(locust__node *n, const msgpack_object *job)
{
    locust_runner_state st = locust_runner_state_get(n->r);
    if (st != LOCUST_STATE_READY && st != LOCUST_STATE_STOPPED) return 0;
    if (!n->own_filter_kept) {
        /* Before the first master's filter: the slave's own, for tests whose master sends none. */
        n->own_tags = dup_or_null(locust_runner_tags(n->r, false));
        n->own_exclude = dup_or_null(locust_runner_tags(n->r, true));
        n->own_filter_kept = true;
    }
    const msgpack_object *po = locust__mp_get(job, "parsed_options");
    char tags[MAX_FILTER], excl[MAX_FILTER];
    const char *want_t = n->own_tags, *want_x = n->own_exclude;
    if (!master_side(po, "tags", tags, &want_t) || !master_side(po, "exclude_tags", excl, &want_x))
        return LOCUST_EPROTO;
    if (same(want_t, locust_runner_tags(n->r, false)) && same(want_x, locust_runner_tags(n->r, true)))
        return 0;
    int err = locust_runner_set_tags(n->r, want_t, want_x);
    if (err) {
        locust_log(LOCUST_LOG_ERROR, LOG, "Cannot run with the master's tag filter: %s; running no user",
                   locust_runner_last_error(n->r)[0] ? locust_runner_last_error(n->r) : locust_strerror(err));
        return err;
    }
    locust_log(LOCUST_LOG_INFO, LOG, "Tag filter for this test: --tags %s, --exclude-tags %s",
               want_t && *want_t ? want_t : "(none)", want_x && *want_x ? want_x : "(none)");
    return 0;
}

void locust__node_free_tags(locust__node *n)
{
    free(n->own_tags);
    free(n->own_exclude);
    n->own_tags = n->own_exclude = NULL;
}
