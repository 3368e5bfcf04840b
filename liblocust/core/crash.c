/*
 * Crash reports. A task that crashes (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * abort()) takes the whole process down, every other user with it; the
 * least the process owes its user is to say which task it was. The handler
 * runs on an alternate signal stack (the fiber's own stack may be the one
 * that overflowed), writes one report to stderr with async-signal-safe
 * calls only (write(2) of text built here; no stdio, no malloc, no locale),
 * and then lets the process die of the same signal, so that exit statuses,
 * core dumps and debuggers see what they saw before.
 *
 * The handlers are installed by the first runner, only for signals whose
 * disposition is still the default: a program (or a sanitizer) that
 * handles them itself keeps its own handler. The alternate stack is per
 * thread, set up by the thread's first runner and freed with its last.
 */
#include "core/fiber.h"
#include "core/user.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* The alternate signal stack of a thread: room for the handler and the kernel's frame. */
#define ALT_STACK_SIZE (64 * 1024)

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static char host_name[128];

static _Thread_local void *alt_stack;
static _Thread_local unsigned thread_runners;

/* ---- building the report without stdio ---------------------------------------- */

typedef struct out {
    char buf[2048];
    size_t len;
} out;

static void put(out *o, const char *s)
{
    for (; s && *s && o->len + 1 < sizeof o->buf; s++)
        o->buf[o->len++] = *s;
}

static void put_uint(out *o, uint64_t v, unsigned base)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v && n < sizeof tmp);
    while (n && o->len + 1 < sizeof o->buf)
        o->buf[o->len++] = tmp[--n];
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV (invalid memory access)";
    case SIGBUS:
        return "SIGBUS (bus error: memory that cannot be accessed, e.g. a truncated mapped file)";
    case SIGFPE:
        return "SIGFPE (arithmetic error, e.g. an integer division by zero)";
    case SIGILL:
        return "SIGILL (illegal instruction, e.g. __builtin_trap())";
    case SIGABRT:
        return "SIGABRT (abort(), e.g. a failed assert())";
    default:
        return "a fatal signal";
    }
}

/* The stack pointer at the fault, from the signal's context; NULL where not known. */
static const void *fault_sp(const void *uctx)
{
    const ucontext_t *uc = uctx;
#if defined(__x86_64__)
    return uc ? (const void *)(uintptr_t)uc->uc_mcontext.gregs[REG_RSP] : NULL;
#elif defined(__aarch64__)
    return uc ? (const void *)(uintptr_t)uc->uc_mcontext.sp : NULL;
#else
    (void)uc;
    return NULL;
#endif
}

/* "task set Y, task Z": where in its task sets the user was. */
static void put_task(out *o, const locust_user *u)
{
    const locust_ctx *ctx = u->top;
    put(o, "task set ");
    put(o, ctx && ctx->ts && ctx->ts->name ? ctx->ts->name : "(unnamed)");
    if (u->special_fn) {
        put(o, ", in a teardown");
    } else if (ctx && ctx->task && ctx->task->fn) {
        put(o, ", task ");
        put(o, ctx->task->name ? ctx->task->name : "(unnamed)");
    } else {
        put(o, ", outside a task (in a setup, on_start, on_stop or wait function)");
    }
}

static void put_class(out *o, const locust_user *u)
{
    put(o, u->cls && u->cls->name ? u->cls->name : "(unnamed)");
}

static void crash_handler(int sig, siginfo_t *info, void *uctx)
{
    out o = {.len = 0};
    put(&o, "[crash] ");
    put(&o, host_name);
    put(&o, "/CRITICAL/locust.crash: ");
    locust_user *u = locust__current_user();
    if (u && sig == SIGSEGV && u->fiber &&
        locust__fiber_overflowed(u->fiber, info->si_addr, fault_sp(uctx))) {
        size_t size = locust__fiber_stack_size(u->fiber);
        put(&o, "stack overflow in a user of class ");
        put_class(&o, u);
        put(&o, ": raise .stack_size, now ");
        put_uint(&o, size % 1024 ? size : size / 1024, 10);
        put(&o, size % 1024 ? " bytes" : " KiB");
        put(&o, " (in ");
        put_task(&o, u);
        put(&o, ": a frame too big for the stack, such as a large local array, or a deep recursion)");
    } else {
        put(&o, "the process crashed: ");
        put(&o, signal_name(sig));
        /* A signal that was sent (si_code <= 0) has no fault address. */
        if ((sig == SIGSEGV || sig == SIGBUS) && info->si_code > 0) {
            put(&o, " at address 0x");
            put_uint(&o, (uint64_t)(uintptr_t)info->si_addr, 16);
        }
        if (u) {
            put(&o, " in a user of class ");
            put_class(&o, u);
            put(&o, ", ");
            put_task(&o, u);
        } else {
            put(&o, " outside any user's task (in an event listener, a web route, or liblocust itself)");
        }
    }
    put(&o, ". Every user of this process ends with it.\n");
    ssize_t ignored = write(STDERR_FILENO, o.buf, o.len);
    (void)ignored;
    /* SA_RESETHAND restored the default action. A fault raised by the
     * hardware happens again when the handler returns, and kills the
     * process with the original context (for a core dump); a signal that
     * was sent (abort(), kill) must be sent again. */
    if (info->si_code <= 0) raise(sig);
}

/* ---- installing --------------------------------------------------------------------- */

static void install_handlers(void)
{
    if (gethostname(host_name, sizeof host_name - 1) != 0) host_name[0] = '\0';
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) {
        struct sigaction old;
        if (sigaction(crash_signals[i], NULL, &old) != 0) continue;
        if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
        struct sigaction sa = {.sa_sigaction = crash_handler,
                               .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND};
        sigemptyset(&sa.sa_mask);
        sigaction(crash_signals[i], &sa, NULL);
    }
}

void locust__crash_thread_enter(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_handlers);
    if (thread_runners++) return;
    /* A thread that has an alternate stack of its own keeps it. */
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE)) return;
    void *p = mmap(NULL, ALT_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    stack_t ss = {.ss_sp = p, .ss_size = ALT_STACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(p, ALT_STACK_SIZE);
        return;
    }
    alt_stack = p;
}

void locust__crash_thread_leave(void)
{
    if (!thread_runners || --thread_runners || !alt_stack) return;
    stack_t ss = {.ss_flags = SS_DISABLE};
    if (sigaltstack(&ss, NULL) == 0) {
        munmap(alt_stack, ALT_STACK_SIZE);
        alt_stack = NULL;
    }
}
