/*
 * A liblocust master's hatch job: Locust 0.9's four keys, plus the
 * extensions a liblocust slave reads and a Locust 0.9 slave never looks at
 * (it reads only the keys it knows):
 *
 *  - "liblocust_rate": the slave's share of the open model's task-run rate;
 *  - "user_classes_count": the users of each class (dist_fixed.c), when a
 *    class has a fixed count or the start named the classes;
 *  - "parsed_options": {"tags": [...] or nil, "exclude_tags": [...] or nil},
 *    the master's tag filter, in the form a Locust 2.x master sends it in
 *    its spawn message, so that the slaves run the tasks the master's
 *    --tags/--exclude-tags (or the web UI's form) chose. Left out when the
 *    master has no filter: the slaves then keep their own.
 */
#include "dist/dist_master.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

static bool is_sep(char c)
{
    return c == ',' || isspace((unsigned char)c);
}

/* Packs a filter string ("a, b c") as 2.x's list of names, or nil. */
static int pack_tag_list(msgpack_packer *pk, const char *list)
{
    if (!list) return msgpack_pack_nil(pk) ? LOCUST_ENOMEM : 0;
    size_t n = 0;
    for (const char *p = list; *p; p++)
        if (!is_sep(*p) && (p == list || is_sep(p[-1]))) n++;
    if (msgpack_pack_array(pk, n)) return LOCUST_ENOMEM;
    for (const char *p = list; *p;) {
        while (*p && is_sep(*p))
            p++;
        size_t len = 0;
        while (p[len] && !is_sep(p[len]))
            len++;
        if (len && (msgpack_pack_str(pk, len) || msgpack_pack_str_body(pk, p, len))) return LOCUST_ENOMEM;
        p += len;
    }
    return 0;
}

int locust__master_send_hatch(locust__master *m, double rate, unsigned users, const unsigned *classes)
{
    locust__rpc_out o;
    double share = m->pending_open_rate;
    const char *tags = locust_runner_tags(m->r, false), *excl = locust_runner_tags(m->r, true);
    bool filter = tags || excl;
    int err = locust__rpc_out_begin(&o, "hatch");
    if (!err && msgpack_pack_map(&o.pk, 4 + (share > 0) + (classes != NULL) + filter)) err = LOCUST_ENOMEM;
    if (!err && share > 0) err = locust__mp_pack_cstr(&o.pk, "liblocust_rate");
    if (!err && share > 0 && msgpack_pack_double(&o.pk, share)) err = LOCUST_ENOMEM;
    if (!err && classes) err = locust__mp_pack_cstr(&o.pk, "user_classes_count");
    if (!err && classes) err = locust__pack_class_counts(&o.pk, m->r, classes);
    if (!err && filter) err = locust__mp_pack_cstr(&o.pk, "parsed_options");
    if (!err && filter && msgpack_pack_map(&o.pk, 2)) err = LOCUST_ENOMEM;
    if (!err && filter) err = locust__mp_pack_cstr(&o.pk, "tags");
    if (!err && filter) err = pack_tag_list(&o.pk, tags);
    if (!err && filter) err = locust__mp_pack_cstr(&o.pk, "exclude_tags");
    if (!err && filter) err = pack_tag_list(&o.pk, excl);
    if (!err) err = locust__mp_pack_cstr(&o.pk, "hatch_rate");
    if (!err && msgpack_pack_double(&o.pk, rate)) err = LOCUST_ENOMEM;
    if (!err) err = locust__mp_pack_cstr(&o.pk, "num_clients");
    if (!err && msgpack_pack_unsigned_int(&o.pk, users)) err = LOCUST_ENOMEM;
    if (!err) err = locust__mp_pack_cstr(&o.pk, "host");
    if (!err) err = locust__mp_pack_cstr(&o.pk, locust_runner_host(m->r));
    if (!err) err = locust__mp_pack_cstr(&o.pk, "stop_timeout");
    if (!err && msgpack_pack_nil(&o.pk)) err = LOCUST_ENOMEM;
    if (!err) err = locust__rpc_out_finish(&o, NULL, LOCUST__RPC_STYLE_09);
    if (!err) err = locust__zsock_send(m->push, o.frame, o.len);
    locust__rpc_out_free(&o);
    return err;
}
