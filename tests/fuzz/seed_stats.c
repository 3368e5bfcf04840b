/*
 * Writes seed inputs for fuzz_stats_merge: real reports of both protocols
 * packed from tables with a few entries, errors and a histogram.
 */
#include "stats/stats_wire.h"

#include <stdio.h>
#include <stdlib.h>

static double fixed_clock(void *udata)
{
    return 1700000000.5;
}

static void write_seed(const char *dir, const char *name, locust__stats_proto proto, int rows)
{
    locust_stats *s;
    if (locust_stats_new(&s)) exit(1);
    locust_stats_set_clock(s, fixed_clock, NULL);
    for (int i = 0; i < rows; i++) {
        locust_stats_log_success(s, "GET", i % 2 ? "/a" : "/b?x=1", 3.5 + i * 170.25, 100 + i);
        if (i % 3 == 0) locust_stats_log_failure(s, "POST", "/login", 1, "HTTPError('500 Server Error')");
    }
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, LOCUST__STATS_REPORT_KEYS);
    locust__stats_pack_report(s, &pk, proto);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) exit(1);
    fputc(proto == LOCUST__STATS_PROTO_2X ? 1 : 0, f);
    fwrite(sb.data, 1, sb.size, f);
    fclose(f);
    msgpack_sbuffer_destroy(&sb);
    locust_stats_free(s);
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    write_seed(argv[1], "idle_09", LOCUST__STATS_PROTO_09, 0);
    write_seed(argv[1], "busy_09", LOCUST__STATS_PROTO_09, 9);
    write_seed(argv[1], "idle_2x", LOCUST__STATS_PROTO_2X, 0);
    write_seed(argv[1], "busy_2x", LOCUST__STATS_PROTO_2X, 9);
    return 0;
}
