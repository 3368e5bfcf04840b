/* Raising and checking the open-files limit; see fdlimit.h. */
#include "fdlimit.h"

#include <locust/locust.h>
#include <stdio.h>
#include <sys/resource.h>

/* The kernel's ceiling for RLIMIT_NOFILE (a hard limit of "unlimited" cannot be set as such). */
static uint64_t nr_open(void)
{
    unsigned long long v = 0;
    FILE *f = fopen("/proc/sys/fs/nr_open", "r");
    if (f) {
        if (fscanf(f, "%llu", &v) != 1) v = 0;
        fclose(f);
    }
    return v ? v : 1048576;
}

uint64_t cli_raise_nofile(uint64_t *hard)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        *hard = 0;
        return 0;
    }
    rlim_t want = rl.rlim_max;
    if (want == RLIM_INFINITY || want > nr_open()) want = nr_open();
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur < want) {
        struct rlimit raised = {want, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl.rlim_cur = want;
    }
    *hard = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_max;
    return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
}

int cli_check_nofile(unsigned users, uint64_t soft, uint64_t hard)
{
    uint64_t need = (uint64_t)users + CLI_FD_SLACK;
    if (soft == 0 || need <= soft) return 0;
    locust_log(
        LOCUST_LOG_WARNING, "locust.main",
        "%u users need about %llu open files (one per user plus %d), but the limit is %llu (hard limit "
        "%llu): users may fail to connect. Raise the limit (ulimit -n, limits.conf) or run fewer users "
        "per process.",
        users, (unsigned long long)need, CLI_FD_SLACK, (unsigned long long)soft, (unsigned long long)hard);
    return 1;
}

static void on_users_asked(const locust_event *ev, void *udata)
{
    cli_nofile_watch *w = udata;
    if (ev->user_count <= w->warned_for) return;
    uint64_t hard, soft = cli_raise_nofile(&hard);
    if (cli_check_nofile(ev->user_count, soft, hard)) w->warned_for = ev->user_count;
}

int cli_nofile_watch_start(cli_nofile_watch *w, locust_runner *r)
{
    w->warned_for = 0;
    int rc = locust_on(r, LOCUST_EV_LOCUST_START_HATCHING, on_users_asked, w);
    return rc ? rc : locust_on(r, LOCUST_EV_HATCH_COMPLETE, on_users_asked, w);
}
