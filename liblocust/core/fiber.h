/*
 * Fibers: one ucontext per simulated user, on an mmap'd stack with a guard
 * region (64 KiB) below it, so that a stack overflow faults at once
 * (SIGSEGV, reported by crash.c) instead of silently corrupting the
 * neighbouring user's memory.
 *
 * Fibers are resumed only from the loop's own stack (the "main" context)
 * and yield only back to it; there is no fiber-to-fiber switch. That keeps
 * every libev and libcurl callback on the main stack.
 */
#ifndef LOCUST_FIBER_H
#define LOCUST_FIBER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct locust__fiber locust__fiber;
typedef void (*locust__fiber_fn)(void *arg);

/* Creates a fiber that will run fn(arg) on its first resume. */
int locust__fiber_new(locust__fiber **out, size_t stack_size, locust__fiber_fn fn, void *arg);
/* Frees a fiber that is not running (finished or never resumed). */
void locust__fiber_free(locust__fiber *f);
/* Switches from the main context into `f` until it yields or finishes. */
void locust__fiber_resume(locust__fiber *f);
/* Switches from the running fiber back to the main context. */
void locust__fiber_yield(void);
/* True once the fiber's function has returned. */
bool locust__fiber_done(const locust__fiber *f);
/* The fiber running now, or NULL on the main stack. */
locust__fiber *locust__fiber_current(void);
/* Frees the pooled stacks kept for reuse. */
void locust__fiber_pool_drain(void);
/* The usable stack size of a fiber (its guard region not included). */
size_t locust__fiber_stack_size(const locust__fiber *f);
/*
 * True when a fault at `addr` with the stack pointer at `sp` (NULL: not
 * known) is this fiber's stack overflowing: the address is in its guard
 * region, or the stack pointer is below its stack. Async-signal-safe.
 */
bool locust__fiber_overflowed(const locust__fiber *f, const void *addr, const void *sp);

#endif /* LOCUST_FIBER_H */
