/* Masters and slaves for the distributed reliability tests; see dist.h. */
#include "dist.h"

#include "port_helper.h"

#include <check.h>
#include <stdio.h>

int rely_dist_port(char portarg[16])
{
    int port = dist_free_port_pair();
    snprintf(portarg, 16, "%d", port);
    return port;
}

void rely_start_master(rely_proc *m, const char *portarg, const char *users, const char *run_time,
                       const char *csv)
{
    ck_assert_int_eq(
        rely_start_run(m, NULL, 0,
                       RELY_ARGS("--master", "--no-web", "--expect-slaves", "2", "-c", users, "-r", "1000",
                                 "-t", run_time, "--master-bind-host", "127.0.0.1", "--master-bind-port",
                                 portarg, "--only-summary", "--csv", csv, "Rely")),
        0);
}

void rely_start_slave(rely_proc *s, const char *const *env, const char *portarg, const char *protocol,
                      const char *host)
{
    ck_assert_int_eq(rely_start_run(s, env, 0,
                                    RELY_ARGS("--slave", "--master-protocol", protocol, "--master-port",
                                              portarg, "-H", host, "Rely")),
                     0);
}
