/*
 * The precise histogram's CPU cost per request: logs N successes (response
 * times spread over 0.5 .. 200 ms) into a statistics table. bench/run.sh
 * runs it under callgrind and divides the instructions of the histogram's
 * record function by N (it runs twice per success: the entry and the Total).
 *
 *   hdr_cost [N]    (default 1000000)
 */
#include <locust/stats.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    locust_stats *s;
    if (locust_stats_new(&s)) return 1;
    uint64_t x = 88172645463325252u;
    for (long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;
        if (locust_stats_log_success(s, "GET", "/x", 0.5 + 200 * u * u, 100)) return 1;
    }
    double p99;
    locust_stats_entry_percentile_precise(s, 0, LOCUST_TIME_SERVICE, 0.99, &p99);
    printf("%ld requests, p99 %.3f ms\n", n, p99);
    locust_stats_free(s);
    return 0;
}
