/*
 * Logging in Locust's format: "[2018-09-01 15:00:14,123] host/INFO/logger:
 * message", on stderr by default. A program embedding liblocust can route
 * the records anywhere with locust_log_set().
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static locust_log_fn log_fn;
static void *log_udata;
static locust_log_level log_level = LOCUST_LOG_INFO;

static const char *level_name(locust_log_level l)
{
    switch (l) {
    case LOCUST_LOG_DEBUG:
        return "DEBUG";
    case LOCUST_LOG_INFO:
        return "INFO";
    case LOCUST_LOG_WARNING:
        return "WARNING";
    case LOCUST_LOG_ERROR:
        return "ERROR";
    case LOCUST_LOG_CRITICAL:
        return "CRITICAL";
    }
    return "LEVEL";
}

static void default_sink(locust_log_level level, const char *logger, const char *msg, void *udata)
{
    static _Thread_local char host[256];
    if (!host[0] && gethostname(host, sizeof host - 1) != 0) strcpy(host, "localhost");
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    FILE *f = udata ? (FILE *)udata : stderr;
    fprintf(f, "[%s,%03d] %s/%s/%s: %s\n", ts, (int)(tv.tv_usec / 1000), host, level_name(level), logger,
            msg);
    fflush(f);
}

void locust_log_set(locust_log_fn fn, void *udata, locust_log_level level)
{
    log_fn = fn;
    log_udata = udata;
    log_level = level;
}

locust_log_level locust_log_level_get(void)
{
    return log_level;
}

void locust_log(locust_log_level level, const char *logger, const char *fmt, ...)
{
    if (level < log_level) return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /*
     * Messages carry strings from the network (slave ids, request names)
     * and may have been cut inside a character: the record is valid UTF-8
     * all the same (a malloc only when it is not).
     */
    char *tmp;
    const char *msg = locust__utf8_clean(buf, &tmp);
    if (!msg) {
        /* Out of memory: a '?' for every byte outside ASCII still gives valid text. */
        for (char *p = buf; *p; p++)
            if ((unsigned char)*p >= 0x80) *p = '?';
        msg = buf;
    }
    if (log_fn)
        log_fn(level, logger, msg, log_udata);
    else
        default_sink(level, logger, msg, log_udata);
    free(tmp);
}

int locust_log_level_parse(const char *name, locust_log_level *out)
{
    static const struct {
        const char *n;
        locust_log_level l;
    } levels[] = {{"DEBUG", LOCUST_LOG_DEBUG},
                  {"INFO", LOCUST_LOG_INFO},
                  {"WARNING", LOCUST_LOG_WARNING},
                  {"ERROR", LOCUST_LOG_ERROR},
                  {"CRITICAL", LOCUST_LOG_CRITICAL}};
    if (!name) return LOCUST_EINVAL;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if (strcasecmp(name, levels[i].n) == 0) {
            *out = levels[i].l;
            return 0;
        }
    }
    return LOCUST_EINVAL;
}
