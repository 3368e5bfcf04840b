/*
 * Requests the demo target holds back (/delay/MS, /hang): the handler
 * suspends the connection and puts it in a list; one thread resumes each
 * at its deadline, and MHD then calls the handler again, which answers
 * (/delay) or closes the connection (/hang). No server thread ever sleeps.
 */
#include <pthread.h>
#include <time.h>

#include "demo_target.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static demo_req *held;
static bool stopping;
static pthread_t thread;

double demo_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Takes a request out of the list and lets MHD go on with it; mu held. */
static void resume(demo_req *q)
{
    if (q->wprev != NULL)
        q->wprev->wnext = q->wnext;
    else
        held = q->wnext;
    if (q->wnext != NULL) q->wnext->wprev = q->wprev;
    q->wnext = q->wprev = NULL;
    q->waiting = false;
    q->resumed = true;
    MHD_resume_connection(q->conn);
}

static void *waiter(void *arg)
{
    pthread_mutex_lock(&mu);
    while (!stopping) {
        double now = demo_mono(), next = 0;
        for (demo_req *q = held, *n; q != NULL; q = n) {
            n = q->wnext;
            if (q->deadline <= now)
                resume(q);
            else if (next == 0 || q->deadline < next)
                next = q->deadline;
        }
        if (next == 0) {
            pthread_cond_wait(&cv, &mu);
        } else {
            struct timespec ts = {(time_t)next, (long)((next - (double)(time_t)next) * 1e9)};
            pthread_cond_timedwait(&cv, &mu, &ts);
        }
    }
    while (held != NULL)
        resume(held);
    pthread_mutex_unlock(&mu);
    return NULL;
}

int demo_wait_start(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &a);
    pthread_condattr_destroy(&a);
    return pthread_create(&thread, NULL, waiter, NULL) == 0 ? 0 : -1;
}

void demo_wait(demo_req *q, double seconds, bool hang)
{
    pthread_mutex_lock(&mu);
    q->hang = hang;
    if (stopping) {
        /* Shutting down: the handler is called again at once and ends it. */
        q->resumed = true;
    } else {
        q->deadline = demo_mono() + seconds;
        q->waiting = true;
        q->wprev = NULL;
        q->wnext = held;
        if (held != NULL) held->wprev = q;
        held = q;
        /* Under mu, so that the waiter cannot resume it before it is suspended. */
        MHD_suspend_connection(q->conn);
        pthread_cond_signal(&cv);
    }
    pthread_mutex_unlock(&mu);
}

void demo_wait_cancel(demo_req *q)
{
    pthread_mutex_lock(&mu);
    if (q->waiting) {
        if (q->wprev != NULL)
            q->wprev->wnext = q->wnext;
        else
            held = q->wnext;
        if (q->wnext != NULL) q->wnext->wprev = q->wprev;
        q->waiting = false;
    }
    pthread_mutex_unlock(&mu);
}

bool demo_wait_stopping(void)
{
    pthread_mutex_lock(&mu);
    bool s = stopping;
    pthread_mutex_unlock(&mu);
    return s;
}

void demo_wait_stop(void)
{
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
}
