/*
 * Fibers on guarded mmap stacks. See fiber.h.
 *
 * On x86-64 the switch is a few instructions of our own: glibc's
 * swapcontext() saves and restores the signal mask with a system call on
 * every switch, which measured ~1.2 us per switch here, more than the rest
 * of a request's CPU cost. Elsewhere ucontext is used.
 *
 * Stacks are mapped with MAP_NORESERVE, so only the pages a user actually
 * touches cost memory. Freed stacks are kept in a small pool because users
 * come and go in bursts (hatching, downscaling) and mmap/munmap plus the
 * guard-page mprotect are comparatively expensive system calls.
 */
#include "core/fiber.h"
#include "core/core.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__x86_64__) && !defined(LOCUST_FIBER_UCONTEXT)
#define FAST_SWITCH 1
#endif

/* AddressSanitizer must be told about every stack switch, or it reports
 * false stack errors and misses real ones. */
#if defined(LOCUST__ASAN) && defined(FAST_SWITCH)
#include <sanitizer/common_interface_defs.h>
#define ASAN_START(save, bottom, size)  __sanitizer_start_switch_fiber(save, bottom, size)
#define ASAN_FINISH(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
#define ASAN_START(save, bottom, size)  ((void)0)
#define ASAN_FINISH(save, bottom, size) ((void)0)
#endif

/* Valgrind is told where the stacks are, so it does not mistake a switch
 * for a huge stack frame. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND 1
#endif
#endif

#ifdef FAST_SWITCH
/* Saves the callee-saved registers and the SSE/x87 control words on the
 * current stack, stores the stack pointer in *from and resumes `to`. */
void locust__ctx_switch(void **from, void *to);
__asm__(".text\n"
        ".globl locust__ctx_switch\n"
        ".hidden locust__ctx_switch\n"
        ".type locust__ctx_switch,@function\n"
        "locust__ctx_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size locust__ctx_switch,.-locust__ctx_switch\n");
#endif

struct locust__fiber {
#ifdef FAST_SWITCH
    void *sp;
#else
    ucontext_t ctx;
#endif
    void *map;      /* the whole mapping, guard page included */
    void *stack_lo; /* the usable stack, above the guard page */
    size_t stack_size;
    void *asan_fake; /* AddressSanitizer's fake stack of this fiber */
    unsigned vg_id;  /* valgrind's stack id */
    size_t map_size;
    locust__fiber_fn fn;
    void *arg;
    bool done;
};

#ifdef FAST_SWITCH
static LOCUST__TLS_FAST void *main_sp;
#ifdef LOCUST__ASAN
static LOCUST__TLS_FAST void *main_fake;
static LOCUST__TLS_FAST const void *main_bottom;
static LOCUST__TLS_FAST size_t main_size;
#endif
#else
static _Thread_local ucontext_t main_ctx;
#endif
static LOCUST__TLS_FAST locust__fiber *current;

/*
 * Pooled stacks, all of one size (the pool is emptied when the size changes).
 * Like the switch state above, the pool is per thread: each thread may run
 * runners of its own, which share nothing.
 */
#define POOL_MAX 256
static _Thread_local void *pool[POOL_MAX];
static _Thread_local size_t pool_n, pool_size;

static size_t page_size(void)
{
    static _Thread_local size_t ps;
    if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
    return ps;
}

/*
 * The guard region below each stack. One page stops a stack that grows a
 * little at a time, but a frame larger than the guard (a big local array)
 * can move the stack pointer past it and write into whatever lies below,
 * another user's stack. Code built with -fstack-clash-protection touches
 * every page of a big frame in order, so it always faults in the guard;
 * for code built without it, a wider guard still catches frames of up to
 * this size. It costs address space only: the pages are never touched.
 */
#define GUARD_MIN (64 * 1024)

static size_t guard_size(void)
{
    size_t ps = page_size();
    return ps > GUARD_MIN ? ps : (GUARD_MIN + ps - 1) / ps * ps;
}

void locust__fiber_pool_drain(void)
{
    while (pool_n)
        munmap(pool[--pool_n], pool_size);
}

static void *stack_alloc(size_t map_size)
{
    if (pool_n && pool_size == map_size) return pool[--pool_n];
    void *p =
        mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    /* The guard sits at the low end: stacks grow down on every platform
     * we build for. */
    if (mprotect(p, guard_size(), PROT_NONE) != 0) {
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
        madvise((char *)p + guard_size(), map_size - guard_size(), MADV_DONTNEED);
        pool[pool_n++] = p;
    } else {
        munmap(p, map_size);
    }
}

#ifdef FAST_SWITCH
/* The first switch into a fiber "returns" here, as if called. */
static void fiber_entry(void)
{
    locust__fiber *f = current;
    ASAN_FINISH(NULL, &main_bottom, &main_size);
    f->fn(f->arg);
    f->done = true;
    current = NULL;
    void *dead;
    /* NULL: this fiber's fake stack can go, it never runs again. */
    ASAN_START(NULL, main_bottom, main_size);
    locust__ctx_switch(&dead, main_sp);
    __builtin_unreachable();
}

static int init_context(locust__fiber *f, size_t guard, size_t stack_size)
{
    /* The initial frame is what locust__ctx_switch pops: control words,
     * six registers, then fiber_entry as the return address, above a zero
     * "return address" of fiber_entry's own so that its stack is aligned as
     * the ABI wants at a function's entry. */
    uintptr_t top = ((uintptr_t)f->map + guard + stack_size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)top;
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)fiber_entry;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    uint32_t ctl[2];
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(ctl[0]), "=m"(ctl[1]));
    *--sp = (uint64_t)ctl[0] | ((uint64_t)(ctl[1] & 0xffff) << 32);
    f->sp = sp;
    return 0;
}
#else
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
#endif

int locust__fiber_new(locust__fiber **out, size_t stack_size, locust__fiber_fn fn, void *arg)
{
    size_t ps = page_size(), guard = guard_size();
    if (stack_size < LOCUST_MIN_STACK_SIZE) stack_size = LOCUST_MIN_STACK_SIZE;
    stack_size = (stack_size + ps - 1) & ~(ps - 1);
    locust__fiber *f = calloc(1, sizeof *f);
    if (!f) return LOCUST_ENOMEM;
    f->map_size = stack_size + guard;
    f->map = stack_alloc(f->map_size);
    if (!f->map) {
        free(f);
        return LOCUST_ENOMEM;
    }
    f->fn = fn;
    f->arg = arg;
    f->stack_lo = (char *)f->map + guard;
    f->stack_size = stack_size;
#ifdef HAVE_VALGRIND
    f->vg_id = VALGRIND_STACK_REGISTER(f->stack_lo, (char *)f->stack_lo + stack_size);
#endif
    if (init_context(f, guard, stack_size) != 0) {
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
#ifdef HAVE_VALGRIND
    VALGRIND_STACK_DEREGISTER(f->vg_id);
#endif
    stack_release(f->map, f->map_size);
    free(f);
}

void locust__fiber_resume(locust__fiber *f)
{
    if (f->done || current) return;
    current = f;
#ifdef FAST_SWITCH
    ASAN_START(&main_fake, f->stack_lo, f->stack_size);
    locust__ctx_switch(&main_sp, f->sp);
    ASAN_FINISH(main_fake, NULL, NULL);
#else
    swapcontext(&main_ctx, &f->ctx);
#endif
    current = NULL;
}

void locust__fiber_yield(void)
{
    locust__fiber *f = current;
    if (!f) return;
    current = NULL;
#ifdef FAST_SWITCH
    ASAN_START(&f->asan_fake, main_bottom, main_size);
    locust__ctx_switch(&f->sp, main_sp);
    ASAN_FINISH(f->asan_fake, &main_bottom, &main_size);
#else
    swapcontext(&f->ctx, &main_ctx);
#endif
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

size_t locust__fiber_stack_size(const locust__fiber *f)
{
    return f->stack_size;
}

bool locust__fiber_overflowed(const locust__fiber *f, const void *addr, const void *sp)
{
    uintptr_t lo = (uintptr_t)f->stack_lo, map = (uintptr_t)f->map;
    /* A fault in the guard, or a stack pointer already below the stack. */
    return ((uintptr_t)addr >= map && (uintptr_t)addr < lo) ||
           (sp && (uintptr_t)sp < lo && (uintptr_t)sp >= map - f->map_size);
}
