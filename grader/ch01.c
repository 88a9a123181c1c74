/* ch01.c - 01-threads-hello: the hello lines, main's last line, and that T threads ran. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

struct hello_run {
    int threads;
    struct run_result r;
    char **lines;
    size_t count;
};

/* Runs hello -t T for a random T; false (v filled) when it did not run to a clean end. */
static bool run_hello(struct grading *g, const struct test *t, bool probe, struct hello_run *h,
                      struct verdict *v)
{
    h->threads = (int)rng_range(g->rng, param_int(t, "min_threads", 2), param_int(t, "max_threads", 16));
    char **args = args_printf("-t %d", h->threads);
    struct run_options o = {.probe = probe};
    run_program(g, STUDENT, t, args, &o, &h->r);
    args_free(args);
    h->lines = split_lines(h->r.out.data, h->r.out.len, &h->count);
    if (run_failed(&h->r, t, v))
        return false;
    if (!h->r.exited || h->r.exit_code != 0) {
        verdict_failf(v, "exit status 0", "exit status %d", h->r.exit_code);
        return false;
    }
    return true;
}

static void hello_done(struct hello_run *h)
{
    run_result_free(&h->r);
    free_lines(h->lines);
}

static void check_hello_lines(struct grading *g, const struct test *t, struct verdict *v)
{
    for (int run = 0; run < param_int(t, "runs", 3); run++) {
        struct hello_run h;
        bool ok = run_hello(g, t, false, &h, v);
        if (ok) {
            char **expected = xcalloc((size_t)h.threads + 1, sizeof *expected);
            for (int i = 0; i < h.threads; i++)
                expected[i] = xasprintf("hello from thread %d of %d", i + 1, h.threads);
            char **hellos = xcalloc(h.count + 1, sizeof *hellos);
            for (size_t i = 0, n = 0; i < h.count; i++)
                if (strncmp(h.lines[i], "main:", 5) != 0)
                    hellos[n++] = h.lines[i];
            char *what = xasprintf("lines 'hello from thread I of %d' for -t %d", h.threads, h.threads);
            ok = same_lines_any_order(expected, hellos, what, v);
            free(what);
            free(hellos);
            free_lines(expected);
        }
        hello_done(&h);
        if (!ok)
            return;
    }
    verdict_pass(v, t);
}

static void check_hello_last_line(struct grading *g, const struct test *t, struct verdict *v)
{
    for (int run = 0; run < param_int(t, "runs", 3); run++) {
        struct hello_run h;
        bool ok = run_hello(g, t, false, &h, v);
        if (ok) {
            long long sum = 0;
            for (long long i = 1; i <= h.threads; i++)
                sum += i * i;
            char *expected = xasprintf("main: joined %d threads, sum of squares = %lld",
                                       h.threads, sum);
            const char *last = h.count ? h.lines[h.count - 1] : "(no output)";
            if (strcmp(last, expected) != 0) {
                char *shown = shorten(last, strlen(last), 200);
                char *want = xasprintf("last line '%s' (-t %d)", expected, h.threads);
                verdict_failf(v, want, "last line '%s'", shown);
                free(shown), free(want);
                ok = false;
            }
            free(expected);
        }
        hello_done(&h);
        if (!ok)
            return;
    }
    verdict_pass(v, t);
}

static void check_hello_threads_ran(struct grading *g, const struct test *t, struct verdict *v)
{
    struct hello_run h;
    if (run_hello(g, t, true, &h, v)) {
        struct events e;
        read_events(g, &e);
        char *expected = xasprintf("%d threads started, ran to the end and joined (-t %d)",
                                   h.threads, h.threads);
        if (e.threads_started != h.threads || e.threads_finished != h.threads ||
            e.joins != h.threads)
            verdict_failf(v, expected, "%d threads started, %d finished, %d joined",
                  e.threads_started, e.threads_finished, e.joins);
        else
            verdict_pass(v, t);
        free(expected);
        events_free(&e);
    }
    hello_done(&h);
}

const struct check_entry ch01_checks[] = {
    {"hello_lines", check_hello_lines},
    {"hello_last_line", check_hello_last_line},
    {"hello_threads_ran", check_hello_threads_ran},
    {NULL, NULL},
};
