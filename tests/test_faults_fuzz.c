/*
 * The fuzzers' findings as regression tests: every input kept under
 * tests/fuzz/corpus/NAME/ (the seeds, and each input a fuzzer crashed on,
 * named regress-*) is fed to harness NAME (tests/fuzz/NAME.c, built here
 * without libFuzzer), each in a child process so that a crash names its
 * file. `make fuzz` (scripts/fuzz.sh) runs the harnesses themselves.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* The harnesses, each with its entry point renamed. */
#define LLVMFuzzerTestOneInput fuzz_one_options
#include "fuzz/fuzz_options.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_one_rpc_frame
#include "fuzz/fuzz_rpc_frame.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_one_stats_merge
#include "fuzz/fuzz_stats_merge.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_one_web_json
#include "fuzz/fuzz_web_json.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_one_web_form
#include "fuzz/fuzz_web_form.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_one_http_wire
#include "fuzz/fuzz_http_wire.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_one_http_wire_h2
#include "fuzz/fuzz_http_wire_h2.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

/* Reads a whole corpus file. */
static uint8_t *read_input(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap *= 2);
            if (b == NULL) break;
            buf = b;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/*
 * Feeds every file of tests/fuzz/corpus/NAME to `fn`, each in a child
 * process, and fails naming the files whose child did not exit 0.
 */
static void replay(const char *name, fuzz_fn fn, size_t min_files)
{
    char dir[1024];
    const char *src = getenv("LOCUST_SRCDIR");
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src && *src ? src : ".", name);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "no corpus %s", dir);
    char failed[4096] = "";
    size_t files = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        uint8_t *data = read_input(path, &len);
        ck_assert_msg(data != NULL, "cannot read %s", path);
        files++;
        fflush(stderr);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            fn(data, len);
            _exit(0);
        }
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            size_t n = strlen(failed);
            snprintf(failed + n, sizeof failed - n, "\n  %s: %s %d", e->d_name,
                     WIFSIGNALED(status) ? "signal" : "exit",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        }
        free(data);
    }
    closedir(d);
    ck_assert_msg(files >= min_files, "%s: %zu inputs, expected at least %zu", dir, files, min_files);
    ck_assert_msg(failed[0] == '\0', "%s: these inputs crash (their messages are above):%s", name, failed);
}

/*
 * Holds regress-timespan-long-digits-in-unmatched-group, which PINS A BUG
 * of cli/options.c (owner: the CLI) while it fails: timespan_part() refuses
 * a digit run longer than 19 digits before it knows whether the group
 * matches, so "1m99999999999999999999x" is refused where Locust 0.9 gives
 * 60 seconds (the text after the last unit is ignored).
 */
START_TEST(the_options_corpus_replays_cleanly)
{
    replay("fuzz_options", fuzz_one_options, 5);
}
END_TEST

START_TEST(the_rpc_frame_corpus_replays_cleanly)
{
    replay("fuzz_rpc_frame", fuzz_one_rpc_frame, 5);
}
END_TEST

START_TEST(the_stats_merge_corpus_replays_cleanly)
{
    replay("fuzz_stats_merge", fuzz_one_stats_merge, 1);
}
END_TEST

START_TEST(the_web_json_corpus_replays_cleanly)
{
    replay("fuzz_web_json", fuzz_one_web_json, 1);
}
END_TEST

START_TEST(the_web_form_corpus_replays_cleanly)
{
    replay("fuzz_web_form", fuzz_one_web_form, 5);
}
END_TEST

/*
 * The wire's response parser over its seeds (the replies of the
 * differential corpus, tests/data/http_diff, each in every way of
 * arriving) and every input the fuzzer found a problem with (regress-*).
 */
START_TEST(the_http_wire_corpus_replays_cleanly)
{
    replay("fuzz_http_wire", fuzz_one_http_wire, 100);
}
END_TEST

/* The HTTP/2 response side over its seeds (tests/fuzz/seed_http_wire_h2.c) and every input found. */
START_TEST(the_http_wire_h2_corpus_replays_cleanly)
{
    replay("fuzz_http_wire_h2", fuzz_one_http_wire_h2, 20);
}
END_TEST

/*
 * The same inputs with a class in the runner, so that each swarm really
 * starts users and stops them. Under AddressSanitizer (make check-asan)
 * this PINS A BUG while it fails (owner of liblocust/core/runner.c):
 * locust__runner_user_finished() reads u->kill_requested right after
 * locust__user_free(u) (heap-use-after-free), for every user stopped.
 */
START_TEST(swarms_from_the_web_form_corpus_start_and_stop_cleanly)
{
    setenv("LOCUST_FUZZ_SWARM", "1", 1);
    replay("fuzz_web_form", fuzz_one_web_form, 5);
}
END_TEST

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("faults_fuzz");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_options_corpus_replays_cleanly);
    tcase_add_test(tc, the_rpc_frame_corpus_replays_cleanly);
    tcase_add_test(tc, the_stats_merge_corpus_replays_cleanly);
    tcase_add_test(tc, the_web_json_corpus_replays_cleanly);
    tcase_add_test(tc, the_web_form_corpus_replays_cleanly);
    tcase_add_test(tc, the_http_wire_corpus_replays_cleanly);
    tcase_add_test(tc, the_http_wire_h2_corpus_replays_cleanly);
    tcase_add_test(tc, swarms_from_the_web_form_corpus_start_and_stop_cleanly);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
