/* ch04.c - 04-locked-counter: exact counts in the safe modes for threads and processes,
 * the racy mode's honest report, and that the workers really are threads or processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

static const char *const safe_modes[] = {"mutex", "spin", "atomic", "sharded"};
static const char *const kinds[] = {"threads", "processes"};

struct count {
    long long got, expected;
    bool parsed;
};

/* Runs counter once; false (v filled) when it did not end cleanly or printed no count line. */
static bool run_counter(struct grading *g, const struct test *t, const char *kind, const char *mode,
                        int workers, long long increments, bool probe, struct count *c,
                        struct verdict *v, int *exit_code)
{
    char **args = args_printf("-x %s -m %s -t %d -n %lld", kind, mode, workers, increments);
    struct run_options o = {.probe = probe};
    struct run_result r;
    run_program(g, STUDENT, t, args, &o, &r);
    char *shown = args_text(args);
    args_free(args);
    bool ok = !run_failed(&r, t, v);
    int end = 0;
    c->parsed = sscanf(r.out.data, "counter = %lld (expected %lld)%n", &c->got, &c->expected, &end) == 2 &&
                (r.out.data[end] == '\n' || r.out.data[end] == '\0') &&
                (r.out.data[end] == '\0' || r.out.data[end + 1] == '\0');
    if (ok && !c->parsed) {
        char *out = shorten(r.out.data, r.out.len, 160);
        char *expected = xasprintf("one line 'counter = X (expected Y)' from 'counter %s'", shown);
        verdict_failf(v, expected, "'%s'", out);
        free(out), free(expected);
        ok = false;
    }
    *exit_code = r.exit_code;
    free(shown);
    run_result_free(&r);
    return ok;
}

static void check_counter_exact(struct grading *g, const struct test *t, struct verdict *v)
{
    /* A broken lock loses updates only when workers really overlap, which a busy machine
     * makes rarer: every mode runs several times, and one lost update is enough. */
    for (int repeat = 0; repeat < param_int(t, "repeats", 3); repeat++)
    for (int k = 0; k < 2; k++)
        for (int m = 0; m < 4; m++) {
            int workers = (int)rng_range(g->rng, 2, 8);
            long long n = rng_range(g->rng, param_int(t, "min_increments", 20000),
                                    param_int(t, "max_increments", 200000));
            struct count c;
            int code;
            if (!run_counter(g, t, kinds[k], safe_modes[m], workers, n, false, &c, v, &code))
                return;
            if (c.got != (long long)workers * n || c.expected != (long long)workers * n || code != 0) {
                char *expected = xasprintf("'counter = %lld (expected %lld)' and exit status 0 for "
                                           "-x %s -m %s -t %d -n %lld", workers * n, workers * n,
                                           kinds[k], safe_modes[m], workers, n);
                verdict_failf(v, expected, "'counter = %lld (expected %lld)', exit status %d%s", c.got,
                              c.expected, code,
                              c.got < workers * n ? ": updates were lost, so two workers changed the "
                                                    "counter at once"
                              : c.got > workers * n ? ": more than expected, the same increments "
                                                      "were counted twice"
                                                    : "");
                free(expected);
                return;
            }
        }
    verdict_pass(v, t);
}

static void check_counter_racy(struct grading *g, const struct test *t, struct verdict *v)
{
    for (int k = 0; k < 2; k++) {
        int workers = (int)rng_range(g->rng, 2, 4);
        long long n = rng_range(g->rng, 100000, 300000);
        struct count c;
        int code;
        if (!run_counter(g, t, kinds[k], "racy", workers, n, false, &c, v, &code))
            return;
        if (c.expected != workers * n || c.got > c.expected || c.got < n ||
            code != (c.got == c.expected ? 0 : 1)) {
            char *expected = xasprintf("for -x %s -m racy -t %d -n %lld: 'counter = X (expected "
                                       "%lld)' with %lld <= X <= %lld, exit status 0 only when "
                                       "X = %lld", kinds[k], workers, n, workers * n, n,
                                       workers * n, workers * n);
            verdict_failf(v, expected, "'counter = %lld (expected %lld)', exit status %d", c.got,
                          c.expected, code);
            free(expected);
            return;
        }
        add_note(v, "racy, %s, %d x %lld: counter = %lld, %.1f%% of the updates lost", kinds[k],
                 workers, n, c.got, 100.0 * (double)(c.expected - c.got) / (double)c.expected);
    }
    verdict_pass(v, t);
}

static void check_counter_workers(struct grading *g, const struct test *t, struct verdict *v)
{
    for (int k = 0; k < 2; k++) {
        int workers = (int)rng_range(g->rng, 2, 6);
        struct count c;
        int code;
        if (!run_counter(g, t, kinds[k], "mutex", workers, 1000, true, &c, v, &code))
            return;
        struct events e;
        read_events(g, &e);
        char *run = xasprintf("-x %s -t %d", kinds[k], workers);
        bool ok = expect_workers(&e, k == 0, workers, run, v);
        free(run);
        events_free(&e);
        if (!ok)
            return;
    }
    verdict_pass(v, t);
}

const struct check_entry ch04_checks[] = {
    {"counter_exact", check_counter_exact},
    {"counter_racy", check_counter_racy},
    {"counter_workers", check_counter_workers},
    {NULL, NULL},
};
