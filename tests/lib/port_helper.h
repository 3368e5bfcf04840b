/*
 * Test helper: free loopback ports for the distributed-mode tests, both the
 * in-process ones (test_dist*.c, through test_dist_util.h) and the process
 * ones (tests/reliability/dist.c). A Locust 0.9 master binds two
 * consecutive ports, so the tests need a pair that is free.
 */
#ifndef LOCUST_TEST_PORT_HELPER_H
#define LOCUST_TEST_PORT_HELPER_H

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* Binds a TCP socket on 127.0.0.1:port (0 = any); returns the fd and the port, or -1. */
static inline int dist_bind_port(int port, int *out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len)) {
        if (fd >= 0) close(fd);
        return -1;
    }
    *out = ntohs(a.sin_port);
    return fd;
}

/*
 * A port P such that P and P + 1 were both free a moment ago (0.9 masters
 * bind both). Both are held while the second is tried, so that the kernel
 * cannot hand P out again in between.
 */
static inline int dist_free_port_pair(void)
{
    for (int tries = 0; tries < 200; tries++) {
        int p, q;
        int a = dist_bind_port(0, &p);
        if (a < 0) continue;
        int b = p < 65534 ? dist_bind_port(p + 1, &q) : -1;
        close(a);
        if (b >= 0) {
            close(b);
            return p;
        }
    }
    ck_abort_msg("no free port pair");
    return 0;
}

#endif /* LOCUST_TEST_PORT_HELPER_H */
