/*
 * ucontext fibers on guarded mmap stacks. See fiber.h.
 *
 * Stacks are mapped with MAP_NORESERVE, so only the pages a user actually
 * touches cost memory. Freed stacks are kept in a small pool because users
 * come and go in bursts (hatching, downscaling) and mmap/munmap plus the
 * guard-page mprotect are comparatively expensive system calls.
 */
#include "fiber.h"
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

struct locust__fiber {
    ucontext_t ctx;
    void *map;          /* the whole mapping, guard page included */
    size_t map_size;
    locust__fiber_fn fn;
    void *arg;
    bool done;
};

static ucontext_t main_ctx;
static locust__fiber *current;

/* Pooled stacks, all of one size (the pool is emptied when the size changes). */
#define POOL_MAX 256
static void *pool[POOL_MAX];
static size_t pool_n, pool_size;

static size_t page_size(void)
{
    static size_t ps;
    if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
    return ps;
}

void locust__fiber_pool_drain(void)
{
    while (pool_n) munmap(pool[--pool_n], pool_size);
}

static void *stack_alloc(size_t map_size)
{
    if (pool_n && pool_size == map_size) return pool[--pool_n];
    void *p = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    /* The guard page sits at the low end: stacks grow down on every
     * platform we build for. */
    if (mprotect(p, page_size(), PROT_NONE) != 0) {
        munmap(p, map_size);
        return NULL;
    }
    return p;
}

static void stack_release(void *p, size_t map_size)
{
    if (pool_size != map_size) {
        locust__fiber_pool_drain();
        pool_size = map_size;
    }
    if (pool_n < POOL_MAX) {
        /* Give the touched pages back but keep the mapping and guard. */
        madvise((char *)p + page_size(), map_size - page_size(), MADV_DONTNEED);
        pool[pool_n++] = p;
    } else {
        munmap(p, map_size);
    }
}

/* makecontext passes int arguments only, so the pointer travels in two halves. */
static void trampoline(unsigned hi, unsigned lo)
{
    locust__fiber *f = (locust__fiber *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
    f->fn(f->arg);
    f->done = true;
    current = NULL;
    /* Returning would follow uc_link; switching explicitly is clearer. */
    setcontext(&main_ctx);
}

/* getcontext() returns twice, so it lives in a function of its own whose
 * locals cannot be clobbered. */
static int init_context(locust__fiber *f, size_t guard, size_t stack_size)
{
    if (getcontext(&f->ctx) != 0) return -1;
    f->ctx.uc_stack.ss_sp = (char *)f->map + guard;
    f->ctx.uc_stack.ss_size = stack_size;
    f->ctx.uc_link = NULL;
    uintptr_t p = (uintptr_t)f;
    makecontext(&f->ctx, (void (*)(void))trampoline, 2, (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
    return 0;
}

int locust__fiber_new(locust__fiber **out, size_t stack_size, locust__fiber_fn fn, void *arg)
{
    size_t ps = page_size();
    if (stack_size < LOCUST_MIN_STACK_SIZE) stack_size = LOCUST_MIN_STACK_SIZE;
    stack_size = (stack_size + ps - 1) & ~(ps - 1);
    locust__fiber *f = calloc(1, sizeof *f);
    if (!f) return LOCUST_ENOMEM;
    f->map_size = stack_size + ps;
    f->map = stack_alloc(f->map_size);
    if (!f->map) {
        free(f);
        return LOCUST_ENOMEM;
    }
    f->fn = fn;
    f->arg = arg;
    if (init_context(f, ps, stack_size) != 0) {
        stack_release(f->map, f->map_size);
        free(f);
        return LOCUST_ENOMEM;
    }
    *out = f;
    return 0;
}

void locust__fiber_free(locust__fiber *f)
{
    if (!f) return;
    stack_release(f->map, f->map_size);
    free(f);
}

void locust__fiber_resume(locust__fiber *f)
{
    if (f->done || current) return;
    current = f;
    swapcontext(&main_ctx, &f->ctx);
    current = NULL;
}

void locust__fiber_yield(void)
{
    locust__fiber *f = current;
    if (!f) return;
    current = NULL;
    swapcontext(&f->ctx, &main_ctx);
    current = f;
}

bool locust__fiber_done(const locust__fiber *f)
{
    return f->done;
}

locust__fiber *locust__fiber_current(void)
{
    return current;
}
