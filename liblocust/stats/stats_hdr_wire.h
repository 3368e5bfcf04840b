/*
 * The liblocust extension of a StatsEntry map (internal; stats_wire.c uses
 * it): the precise histograms and the dropped-run count, see
 * stats_hdr_wire.c for the layout and why Python masters ignore it.
 */
#ifndef LOCUST_STATS_HDR_WIRE_H
#define LOCUST_STATS_HDR_WIRE_H

#include "stats/stats_internal.h"

#include <msgpack.h>

#define LOCUST__HDR_EXT_KEY "liblocust_hdr"

/* Whether an entry has anything for the extension (else the key is left out). */
bool locust__hdr_ext_present(const locust__entry *e);
/* Packs the key and its map; 0 or LOCUST_ENOMEM. */
int locust__hdr_ext_pack(msgpack_packer *pk, const locust__entry *e);
/*
 * Reads the extension's map into a freshly parsed entry. Returns 0,
 * LOCUST_ENOMEM, or LOCUST_EPROTO with `why` saying what is wrong.
 */
int locust__hdr_ext_parse(const msgpack_object *o, locust__entry *e, char *why, size_t len);

#endif /* LOCUST_STATS_HDR_WIRE_H */
