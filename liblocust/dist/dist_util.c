/*
 * Small things the master and the slave share: the protocol timing, node
 * ids, and rate-limited logging for floods of bad input.
 */
#include "dist/dist_internal.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define TIMING_DEFAULTS                                                                                      \
    {                                                                                                        \
        .report_interval = 3.0, .heartbeat_interval = 1.0, .ack_timeout = 5.0, .ack_attempts = 61,           \
        .master_lost_grace = 5.0, .slave_silent_limit = 10.0, .quit_wait = 3.0, .autostart_poll = 1.0,       \
    }

locust__dist_timing locust__dist_timing_cfg = TIMING_DEFAULTS;

void locust__dist_timing_reset(void)
{
    locust__dist_timing_cfg = (locust__dist_timing)TIMING_DEFAULTS;
}

void locust__dist_node_id(char *out, size_t cap)
{
    char host[128] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) strcpy(host, "localhost");
    host[sizeof host - 1] = '\0';
    /* Keep the id a clean ZeroMQ identity: printable ASCII only. */
    for (char *p = host; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) *p = '-';
    /*
     * 128 random bits, like 2.x's uuid4().hex. 0.9 used an MD5 of the time,
     * but masters only compare ids, so any unique hex string serves.
     */
    unsigned char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        uint64_t a = (uint64_t)(locust__now() * 1e9) ^ ((uint64_t)getpid() << 32),
                 b = (uint64_t)(uintptr_t)out;
        locust__rng g;
        locust__rng_seed(&g, a ^ b);
        for (size_t i = 0; i < sizeof rnd; i++)
            rnd[i] = (unsigned char)locust__rng_next(&g);
    }
    char hex[33];
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    snprintf(out, cap, "%s_%s", host, hex);
}

void locust__ratelog(locust__ratelog_state *rl, locust_log_level level, const char *logger, const char *fmt,
                     ...)
{
    double now = locust__mono();
    if (rl->last && now - rl->last < 1.0) {
        rl->suppressed++;
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (rl->suppressed)
        locust_log(level, logger, "%s (%lu similar messages suppressed)", msg, rl->suppressed);
    else
        locust_log(level, logger, "%s", msg);
    rl->last = now;
    rl->suppressed = 0;
}
