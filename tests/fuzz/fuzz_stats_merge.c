/*
 * libFuzzer harness: a stats payload as a master receives it, merged into a
 * table with both protocols' rules. The first byte picks the protocol.
 * Anything may be refused; nothing may crash, leak or hang.
 */
#include "base/msgpack_safe.h"
#include "stats/stats_wire.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    locust__stats_proto proto = (data[0] & 1) ? LOCUST__STATS_PROTO_2X : LOCUST__STATS_PROTO_09;
    msgpack_unpacked msg;
    msgpack_unpacked_init(&msg);
    if (locust__msgpack_unpack((const char *)data + 1, size - 1, &msg, NULL, 0) == 0) {
        locust_stats *s;
        if (locust_stats_new(&s) == 0) {
            char err[256];
            locust__stats_merge_payload(s, &msg.data, proto, err, sizeof err);
            /* Whatever was merged must still print and pack. */
            FILE *devnull = fopen("/dev/null", "w");
            if (devnull) {
                locust_stats_print(s, devnull);
                locust_stats_print_percentiles(s, devnull);
                locust_stats_write_requests_csv(s, devnull);
                fclose(devnull);
            }
            msgpack_sbuffer sb;
            msgpack_sbuffer_init(&sb);
            msgpack_packer pk;
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            msgpack_pack_map(&pk, LOCUST__STATS_REPORT_KEYS);
            locust__stats_pack_report(s, &pk, proto);
            msgpack_sbuffer_destroy(&sb);
            locust_stats_free(s);
        }
    }
    msgpack_unpacked_destroy(&msg);
    return 0;
}
