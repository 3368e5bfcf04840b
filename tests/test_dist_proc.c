/*
 * Distributed mode across processes (tests/test_dist_node): a slave killed
 * with SIGKILL mid-test is reported gone and the master goes on; a master
 * that dies makes its slaves exit with a clear message.
 */
#include "test_dist_util.h"
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

typedef struct proc {
    pid_t pid;
    char log[512];
    char count[512];
    int status;
    bool exited;
} proc;

static char tmpdir[256];

static void setup(void)
{
    testutil_quiet_logs();
    locust__dist_timing_reset();
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/locust-dist-XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
}

static const char *node_program(void)
{
    static char path[4096];
    const char *dir = getenv("LOCUST_BUILDDIR");
    snprintf(path, sizeof path, "%s/tests/test_dist_node", dir && *dir ? dir : ".");
    return path;
}

/* Starts test_dist_node with args (NULL-terminated); its stderr goes to p->log. */
static void spawn(proc *p, const char *name, const char *const *args)
{
    memset(p, 0, sizeof *p);
    snprintf(p->log, sizeof p->log, "%s/%s.log", tmpdir, name);
    snprintf(p->count, sizeof p->count, "%s/%s.count", tmpdir, name);
    const char *argv[32] = {node_program()};
    size_t n = 1;
    for (size_t i = 0; args[i] && n < 29; i++)
        argv[n++] = args[i];
    argv[n++] = "--count-file";
    argv[n++] = p->count;
    argv[n] = NULL;
    p->pid = fork();
    ck_assert_int_ge(p->pid, 0);
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) dup2(fd, STDERR_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
}

/* Waits at most `seconds` for p to exit. */
static bool wait_exit(proc *p, double seconds)
{
    double end = locust__mono() + seconds;
    while (!p->exited && locust__mono() < end) {
        pid_t r = waitpid(p->pid, &p->status, WNOHANG);
        if (r == p->pid) {
            p->exited = true;
            break;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return p->exited;
}

static void reap(proc *p)
{
    if (p->pid > 0 && !p->exited) {
        kill(p->pid, SIGKILL);
        wait_exit(p, 5);
    }
}

static bool log_has(const proc *p, const char *text)
{
    FILE *f = fopen(p->log, "r");
    if (!f) return false;
    char line[2048];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

static long read_count(const proc *p)
{
    FILE *f = fopen(p->count, "r");
    long n = -1;
    if (f) {
        if (fscanf(f, "%ld", &n) != 1) n = -1;
        fclose(f);
    }
    return n;
}

static locust_runner *M;

static size_t slaves_in(const char *state)
{
    size_t n = 0;
    for (size_t i = 0; i < locust_runner_slave_count(M); i++) {
        locust_slave_info si;
        if (locust_runner_slave(M, i, &si) == 0) n += strcmp(si.state, state) == 0;
    }
    return n;
}

static bool three_ready(void *ud)
{
    return slaves_in("ready") == 3;
}

static bool running6(void *ud)
{
    return locust_runner_state_get(M) == LOCUST_STATE_RUNNING && locust_runner_user_count(M) == 6;
}

static bool one_missing(void *ud)
{
    return slaves_in("missing") == 1;
}

static bool quit_done(void *ud)
{
    return locust_runner_quit_done(M);
}

static uint64_t merged_requests(void)
{
    locust_entry_info e;
    ck_assert_int_eq(locust_stats_total(locust_runner_stats(M), &e), 0);
    return e.num_requests;
}

static void noop(locust_ctx *ctx) {}
static const locust_task noop_tasks[] = {LOCUST_TASK(noop), LOCUST_TASKS_END};
static const locust_taskset noop_ts = {.name = "Noop", .tasks = noop_tasks};
/* For a failure message: the master's state and its slave table, and the slaves' logs on stderr. */
static const char *describe(const proc *ps, int n)
{
    static char buf[2048];
    size_t off =
        (size_t)snprintf(buf, sizeof buf, "master %s, %u users;",
                         locust_runner_state_name(locust_runner_state_get(M)), locust_runner_user_count(M));
    for (size_t i = 0; i < locust_runner_slave_count(M) && off < sizeof buf; i++) {
        locust_slave_info si;
        if (locust_runner_slave(M, i, &si) == 0)
            off += (size_t)snprintf(buf + off, sizeof buf - off, " %s:%s:%u", si.id, si.state, si.user_count);
    }
    for (int i = 0; i < n; i++) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "tail -n 15 '%s' >&2", ps[i].log);
        if (system(cmd) != 0) fprintf(stderr, "no log %s\n", ps[i].log);
    }
    return buf;
}

static const locust_class dummy = {.name = "Dummy", .task_set = &noop_ts};

START_TEST(test_killed_slave_is_reported_gone)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    locust_runner_options ro = {.loop = loop};
    int port = 0, err = LOCUST_EBUSY;
    for (int tries = 0; tries < 20 && err == LOCUST_EBUSY; tries++) {
        if (M) locust_runner_free(M);
        ck_assert_int_eq(locust_runner_new(&M, &ro), 0);
        locust_runner_add_class(M, &dummy);
        port = dist_free_port_pair();
        locust_master_options mo = {.bind_host = "127.0.0.1", .bind_port = port};
        err = locust_master_attach(M, &mo);
    }
    ck_assert_int_eq(err, 0);
    char portarg[16];
    snprintf(portarg, sizeof portarg, "%d", port);
    proc s[3];
    const char *args[] = {"slave", "--port", portarg, "--report-interval", "0.3", NULL};
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "slave%d", i);
        spawn(&s[i], name, args);
    }
    ck_assert_msg(dist_run_until(loop, three_ready, NULL, 15), "3 slaves did not become ready: %s",
                  describe(s, 3));
    ck_assert_int_eq(locust_runner_start(M, 6, 600), 0);
    ck_assert_msg(dist_run_until(loop, running6, NULL, 10), "not running 6 users: %s", describe(s, 3));
    dist_run_for(loop, 0.8);

    /* SIGKILL one: no quit, no last report. The master notices the closed connection. */
    kill(s[1].pid, SIGKILL);
    ck_assert(wait_exit(&s[1], 5));
    double t0 = locust__mono();
    ck_assert_msg(dist_run_until(loop, one_missing, NULL, 15),
                  "the killed slave was not reported missing: %s", describe(s, 3));
    ck_assert_msg(locust__mono() - t0 < 3.0, "noticed only after %.1f s", locust__mono() - t0);
    ck_assert_uint_eq(locust_runner_user_count(M), 4);
    ck_assert_int_eq(locust_runner_state_get(M), LOCUST_STATE_RUNNING);

    /* The master goes on: the others' requests keep arriving. */
    uint64_t before = merged_requests();
    dist_run_for(loop, 1.0);
    ck_assert_uint_gt(merged_requests(), before);

    /* Quit: the survivors report, quit and exit 0. */
    ck_assert_int_eq(locust_runner_quit(M), 0);
    ck_assert_msg(dist_run_until(loop, quit_done, NULL, 10), "the master did not finish quitting");
    long survivors = 0;
    for (int i = 0; i < 3; i += 2) {
        ck_assert_msg(wait_exit(&s[i], 10), "slave %d did not exit", i);
        ck_assert(WIFEXITED(s[i].status));
        ck_assert_int_eq(WEXITSTATUS(s[i].status), 0);
        ck_assert(log_has(&s[i], "Got quit message from master, shutting down..."));
        long c = read_count(&s[i]);
        ck_assert_int_gt(c, 0);
        survivors += c;
    }
    /* Everything the survivors made is counted, plus what the killed one reported before it died. */
    ck_assert_uint_ge(merged_requests(), (uint64_t)survivors);
    for (int i = 0; i < 3; i++)
        reap(&s[i]);
    locust_runner_free(M);
    M = NULL;
    ev_loop_destroy(loop);
}
END_TEST

START_TEST(test_slaves_exit_when_master_dies)
{
    int port = dist_free_port_pair();
    char portarg[16];
    snprintf(portarg, sizeof portarg, "%d", port);
    proc master, s[2];
    const char *margs[] = {"master",  "--port", portarg,  "--expect", "2",
                           "--users", "4",      "--rate", "100",      NULL};
    spawn(&master, "master", margs);
    const char *sargs[] = {"slave", "--port", portarg, "--grace", "1", "--report-interval", "0.3", NULL};
    spawn(&s[0], "s0", sargs);
    spawn(&s[1], "s1", sargs);
    /* Wait until both run users. */
    double end = locust__mono() + 15;
    while (locust__mono() < end &&
           !(log_has(&s[0], "All locusts hatched") && log_has(&s[1], "All locusts hatched"))) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    ck_assert_msg(log_has(&s[0], "All locusts hatched") && log_has(&s[1], "All locusts hatched"),
                  "the slaves did not start (master log in %s)", master.log);
    kill(master.pid, SIGKILL);
    ck_assert(wait_exit(&master, 5));
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(wait_exit(&s[i], 10), "slave %d did not exit after its master died", i);
        ck_assert(WIFEXITED(s[i].status));
        ck_assert_int_eq(WEXITSTATUS(s[i].status), 3);
        ck_assert(log_has(&s[i], "the master is gone, shutting down"));
        ck_assert_int_gt(read_count(&s[i]), 0);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist_proc");
    TCase *tc = tcase_create("processes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 45);
    tcase_add_test(tc, test_killed_slave_is_reported_gone);
    tcase_add_test(tc, test_slaves_exit_when_master_dies);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
