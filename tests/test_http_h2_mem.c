/*
 * The pool that holds nghttp2's small blocks for the wire's HTTP/2 sessions
 * (liblocust/http/http_wire_h2_mem.c), through the nghttp2_mem it hands
 * to nghttp2: what comes back is reused, what is too big is not kept, the
 * lists are capped, the contents survive a realloc, calloc zeroes and
 * refuses an overflow, a runner's end empties the thread's lists, and a
 * block given back on another thread goes to that thread's pool.
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "base/base.h"
#include "http/http_wire_conn.h"
#include "testutil.h"

static nghttp2_mem *mem;

static void *take(size_t n)
{
    return mem->malloc(n, mem->mem_user_data);
}

static void give(void *p)
{
    mem->free(p, mem->mem_user_data);
}

/* Empties the thread's lists the way a runner's end does. */
static void runner_end(void)
{
    locust_runner *r;
    ck_assert_int_eq(locust_runner_new(&r, NULL), 0);
    locust_runner_free(r);
}

static void setup(void)
{
    runner_end();
    mem = locust__wire_h2_mem();
    ck_assert_ptr_nonnull(mem);
}

START_TEST(a_block_given_back_is_the_next_one_of_its_size_class)
{
    void *a = take(100);
    ck_assert_ptr_nonnull(a);
    memset(a, 0xab, 100);
    give(a);
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 1);
    /* 100 and 120 bytes share the 128-byte class. */
    void *b = take(120);
    ck_assert_ptr_eq(b, a);
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 0);
    /* Another class does not take it. */
    give(b);
    void *c = take(300);
    ck_assert_ptr_ne(c, a);
    give(c);
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 2);
    runner_end();
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 0);
}
END_TEST

START_TEST(blocks_are_aligned_as_malloc_aligns_them)
{
    size_t sizes[] = {0, 1, 17, 32, 33, 2048, 2049, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *p = take(sizes[i]);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % _Alignof(max_align_t), 0);
        give(p);
    }
    runner_end();
}
END_TEST

START_TEST(a_block_larger_than_the_largest_class_is_never_kept)
{
    void *p = take(2049);
    ck_assert_ptr_nonnull(p);
    give(p);
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 0);
}
END_TEST

START_TEST(each_list_keeps_at_most_32_blocks)
{
    void *p[40];
    for (int i = 0; i < 40; i++)
        ck_assert_ptr_nonnull(p[i] = take(64));
    for (int i = 0; i < 40; i++)
        give(p[i]);
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 32);
    runner_end();
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 0);
}
END_TEST

START_TEST(realloc_keeps_the_contents_within_a_class_and_across_classes)
{
    unsigned char *p = mem->realloc(NULL, 40, mem->mem_user_data);
    ck_assert_ptr_nonnull(p);
    for (int i = 0; i < 40; i++)
        p[i] = (unsigned char)i;
    /* Still within the 64-byte class: the same block. */
    ck_assert_ptr_eq(mem->realloc(p, 60, mem->mem_user_data), p);
    unsigned char *q = mem->realloc(p, 5000, mem->mem_user_data);
    ck_assert_ptr_nonnull(q);
    for (int i = 0; i < 40; i++)
        ck_assert_uint_eq(q[i], (unsigned)i);
    /* The 64-byte block went back to its list. */
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 1);
    unsigned char *r = mem->realloc(q, 9000, mem->mem_user_data);
    ck_assert_ptr_nonnull(r);
    for (int i = 0; i < 40; i++)
        ck_assert_uint_eq(r[i], (unsigned)i);
    give(r);
    runner_end();
}
END_TEST

START_TEST(calloc_zeroes_a_reused_block_and_refuses_an_overflowing_size)
{
    unsigned char *p = take(200);
    memset(p, 0xff, 200);
    give(p);
    unsigned char *q = mem->calloc(10, 20, mem->mem_user_data);
    ck_assert_ptr_eq(q, p);
    for (int i = 0; i < 200; i++)
        ck_assert_uint_eq(q[i], 0);
    give(q);
    ck_assert_ptr_null(mem->calloc(SIZE_MAX / 2, 4, mem->mem_user_data));
    ck_assert_ptr_null(take(SIZE_MAX - 4));
    runner_end();
}
END_TEST

/* A thread of its own: a pool, a block taken from it, and the pool's end with the thread's runner. */
static void *other_thread(void *arg)
{
    (void)arg;
    ck_assert_ptr_nonnull(locust__wire_h2_mem());
    void *p = take(64);
    runner_end();
    return p;
}

START_TEST(a_block_given_back_on_another_thread_goes_to_that_threads_pool)
{
    pthread_t t;
    void *b;
    ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &b), 0);
    /* Its own thread and that thread's pool are gone: the block is this thread's now. */
    ck_assert_ptr_nonnull(b);
    give(b);
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 1);
    void *again = take(50);
    ck_assert_ptr_eq(again, b);
    give(again);
    runner_end();
    /* With no pool (drained) blocks still come and go, through malloc() and free(). */
    void *c = take(64);
    ck_assert_ptr_nonnull(c);
    give(c);
    ck_assert_uint_eq(locust__wire_h2_mem_kept(), 0);
}
END_TEST

#ifdef LOCUST__ASAN
/* Under AddressSanitizer a block given back twice stops the program, as free() would. */
START_TEST(a_block_given_back_twice_stops_the_program_under_asan)
{
    void *p = take(64);
    give(p);
    give(p);
}
END_TEST
#endif

int main(void)
{
    testutil_quiet_logs();
    Suite *s = suite_create("http_h2_mem");
    TCase *tc = tcase_create("pool");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, a_block_given_back_is_the_next_one_of_its_size_class);
    tcase_add_test(tc, blocks_are_aligned_as_malloc_aligns_them);
    tcase_add_test(tc, a_block_larger_than_the_largest_class_is_never_kept);
    tcase_add_test(tc, each_list_keeps_at_most_32_blocks);
    tcase_add_test(tc, realloc_keeps_the_contents_within_a_class_and_across_classes);
    tcase_add_test(tc, calloc_zeroes_a_reused_block_and_refuses_an_overflowing_size);
    tcase_add_test(tc, a_block_given_back_on_another_thread_goes_to_that_threads_pool);
#ifdef LOCUST__ASAN
    tcase_add_test_raise_signal(tc, a_block_given_back_twice_stops_the_program_under_asan, SIGABRT);
#endif
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
