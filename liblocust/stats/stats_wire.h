/*
 * The statistics part of the master/slave "stats" message, in msgpack, for
 * both protocols liblocust speaks (internal; used by the distributed mode):
 *
 *  - Locust 0.9.0 (docs/compatibility.md §3.1-§3.3): 12-key StatsEntry maps, int
 *    last_request_timestamp, failures not counted in num_requests, error rows
 *    {method, name, error, occurences} (0.9.0's spelling) under a 32-hex MD5
 *    key, Total named "Total" with a nil method;
 *  - Locust 2.x (worker protocol §6.2-§6.3): 14-key maps adding
 *    num_none_requests and num_fail_per_sec, float last_request_timestamp (nil
 *    when idle), num_requests counting failures too, error rows {name, method,
 *    error, occurrences}, Total named "Aggregated".
 *
 * Reports are deltas: packing resets what it sent (0.9.0's
 * get_stripped_report), and merging adds. Strings are always msgpack str,
 * floats float64, integers in their smallest encoding, and the
 * response_times / per-second maps have integer keys.
 */
#ifndef LOCUST_STATS_WIRE_H
#define LOCUST_STATS_WIRE_H

#include <locust/stats.h>
#include <msgpack.h>
#include <stddef.h>

typedef enum locust__stats_proto {
    LOCUST__STATS_PROTO_09 = 1, /* Locust 0.9.0 master/slave */
    LOCUST__STATS_PROTO_2X = 2, /* Locust 2.x master/worker (checked against 2.12.1) */
} locust__stats_proto;

/* The number of key/value pairs locust__stats_pack_report writes. */
#define LOCUST__STATS_REPORT_KEYS 3

/*
 * Packs the statistics of a report as LOCUST__STATS_REPORT_KEYS key/value
 * pairs, "stats", "stats_total" and "errors", in that order (the stock
 * order of both protocols), into a map the caller has opened:
 *
 *     msgpack_pack_map(pk, LOCUST__STATS_REPORT_KEYS + 1);
 *     locust__stats_pack_report(stats, pk, LOCUST__STATS_PROTO_09);
 *     msgpack_pack_str_with_body(pk, "user_count", 10); msgpack_pack_int(pk, n);
 *
 * "stats" holds the entries that had successes or failures since the last
 * report. After packing, those entries, the Total and the error table are
 * reset, so the next report is again a delta; entries without activity are
 * left as they are (as 0.9.0 does).
 *
 * Returns 0, LOCUST_EINVAL (NULL argument or unknown protocol) or
 * LOCUST_ENOMEM (the packer's buffer could not grow). On error nothing is
 * reset and the packer holds a partial map: discard its buffer.
 */
int locust__stats_pack_report(locust_stats *s, msgpack_packer *pk, locust__stats_proto proto);

/*
 * Merges a received stats payload (the message's data map, holding at
 * least "stats", "stats_total" and "errors"; other keys are ignored) into
 * `s`, as 0.9.0's master does (docs/compatibility.md §3.3): entries are extended (created when
 * new), error occurrences added by (method, name, error), the Total extended,
 * and a current-percentile snapshot taken when the Total's
 * last_request_timestamp advanced. min_response_time is merged correctly
 * (the min of the values present), unlike 0.9.0.
 *
 * Accepted encodings: every msgpack str form and bin for strings, int and
 * float (32 or 64 bit) numbers, int or float keys in response_times (keys
 * are bucketed again with Locust's rounding, so 3.77 counts as 4), nil
 * min_response_time, both spellings of occurrences. With
 * LOCUST__STATS_PROTO_09 every one of the 12 StatsEntry keys is required,
 * as 0.9.0 requires them; with LOCUST__STATS_PROTO_2X only name and method
 * are, as in 2.x. 2.x counts are converted to 0.9.0's meaning: successes =
 * num_requests - num_failures, per second likewise.
 *
 * The payload is checked completely before anything is merged: on error the
 * table is unchanged and `err` (if not NULL) names the offending field, e.g.
 * "stats[1].num_failures: expected a non-negative integer, got str".
 * Entries and error rows past the table's caps are counted in its overflow
 * entries and rows (stats_internal.h): a report is never refused for them.
 * Returns 0, LOCUST_EINVAL (NULL s or data, unknown protocol), LOCUST_EPROTO
 * (malformed payload) or LOCUST_ENOMEM.
 */
int locust__stats_merge_payload(locust_stats *s, const msgpack_object *data, locust__stats_proto proto,
                                char *err, size_t errlen);

#endif /* LOCUST_STATS_WIRE_H */
