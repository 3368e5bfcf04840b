/*
 * Class counts across slaves: when a class has a fixed count, or the start
 * named each class's users (a load shape that returns classes, 2.x's
 * tick() -> (users, spawn_rate, user_classes)), the master decides how many
 * users of each class every slave runs (2.x's dispatcher does the same), so
 * that the counts hold for the whole test and not per slave. Its hatch
 * message then carries "user_classes_count" next to 0.9's keys; a liblocust
 * slave follows it, a Locust 0.9 slave ignores it (and splits by weight, as
 * before). Otherwise the message is 0.9's, unchanged.
 */
#include "dist/dist_master.h"

#include <stdlib.h>
#include <string.h>

/* More classes than this in one hatch message are refused by a slave. */
#define MAX_HATCH_CLASSES 1024

unsigned *locust__master_deal_classes(locust__master *m, unsigned users, size_t nslaves)
{
    locust_runner *r = m->r;
    size_t nc = locust_runner_class_count(r);
    if (nc == 0 || nslaves == 0 || (!m->asked_counts && !locust__runner_has_fixed(r))) return NULL;
    unsigned *counts = calloc(nc, sizeof *counts);
    unsigned *out = calloc(nslaves * nc, sizeof *out);
    if (counts && m->asked_counts) memcpy(counts, m->asked_counts, nc * sizeof *counts);
    if (!counts || !out || (!m->asked_counts && locust_runner_split_users(r, users, counts))) {
        free(counts);
        free(out);
        return NULL;
    }
    /*
     * Deal the users out one by one, round robin, fixed classes first:
     * slave k gets users k, k + n, ..., so the slaves' totals are the 0.9
     * shares (the first ones one more) and each class is spread evenly.
     */
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t c = 0; c < nc; c++) {
            bool fixed = locust__runner_class_fixed(r, c);
            if (fixed != (pass == 0)) continue;
            for (unsigned u = 0; u < counts[c]; u++, k++)
                out[(k % nslaves) * nc + c]++;
        }
    }
    free(counts);
    return out;
}

int locust__master_set_asked_counts(locust__master *m, const unsigned *counts, unsigned *users)
{
    free(m->asked_counts);
    m->asked_counts = NULL;
    if (!counts) return 0;
    size_t nc = locust_runner_class_count(m->r);
    if (!(m->asked_counts = malloc((nc ? nc : 1) * sizeof *m->asked_counts))) return LOCUST_ENOMEM;
    memcpy(m->asked_counts, counts, nc * sizeof *counts);
    unsigned sum = 0;
    for (size_t c = 0; c < nc; c++)
        sum += counts[c]; /* locust_runner_start_counts() checked the sum's range */
    *users = sum;
    return 0;
}

int locust__pack_class_counts(msgpack_packer *pk, locust_runner *r, const unsigned *counts)
{
    size_t nc = locust_runner_class_count(r);
    if (msgpack_pack_map(pk, nc)) return LOCUST_ENOMEM;
    for (size_t c = 0; c < nc; c++) {
        int err = locust__mp_pack_cstr(pk, locust_runner_class_at(r, c)->name);
        if (err) return err;
        if (msgpack_pack_unsigned_int(pk, counts[c])) return LOCUST_ENOMEM;
    }
    return 0;
}

int locust__unpack_class_counts(locust_runner *r, const msgpack_object *map, unsigned *counts)
{
    if (map->type != MSGPACK_OBJECT_MAP || map->via.map.size > MAX_HATCH_CLASSES) return LOCUST_EPROTO;
    size_t nc = locust_runner_class_count(r);
    memset(counts, 0, nc * sizeof *counts);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        int64_t n;
        if (!locust__mp_int(&map->via.map.ptr[i].val, 0, LOCUST_MAX_USERS, &n)) return LOCUST_EPROTO;
        const char *name;
        size_t len;
        if (!locust__mp_bytes(&map->via.map.ptr[i].key, &name, &len)) return LOCUST_EPROTO;
        bool found = false;
        for (size_t c = 0; c < nc && !found; c++) {
            const char *cn = locust_runner_class_at(r, c)->name;
            if (strlen(cn) == len && memcmp(cn, name, len) == 0) {
                counts[c] = (unsigned)n;
                found = true;
            }
        }
        if (!found && n > 0)
            locust_log(LOCUST_LOG_WARNING, "locust.runners",
                       "The master asks for %lld users of class '%.*s', which this slave does not have",
                       (long long)n, (int)(len > 200 ? 200 : len), name);
    }
    return 0;
}
