/* ch06.c - 06-cpu-vs-io: the GIL model. Whether a lock serializes threads is a question of
 * how many CPUs they use at once, so these checks read CPU time against wall time; when the
 * reference itself cannot use two CPUs here (a busy or one-CPU machine), they skip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

struct gil_run {
    long long calls;
    long long per_worker[64];
    int workers;
    double cpus; /* CPU seconds per wall second: how many CPUs it kept busy */
};

/* Runs gil; false (v filled) when it failed or its line does not add up. */
static bool run_gil(struct grading *g, const struct test *t, enum who who, const char *options,
                    struct gil_run *out, struct verdict *v)
{
    char **args = args_printf("%s", options);
    struct run_result r;
    run_program(g, who, t, args, NULL, &r);
    args_free(args);
    *out = (struct gil_run){0};
    bool ok = !run_failed(&r, t, v);
    const char *p = r.out.data;
    int used = 0;
    if (ok && sscanf(p, "calls = %lld (per worker:%n", &out->calls, &used) == 1) {
        long long sum = 0;
        p += used;
        while (out->workers < 64 && sscanf(p, " %lld%n", &out->per_worker[out->workers], &used) == 1) {
            sum += out->per_worker[out->workers++];
            p += used;
        }
        ok = strcmp(p, ")\n") == 0 && sum == out->calls;
    } else {
        ok = false;
    }
    if (!ok && v->status != FAIL) {
        char *found = shorten(r.out.data, r.out.len, 200);
        char *expected = xasprintf("'calls = N (per worker: c1 ... cW)' with N the sum, for 'gil %s'",
                                   options);
        verdict_failf(v, expected, "'%s'", found);
        free(found), free(expected);
    }
    out->cpus = r.wall_s > 0 ? r.cpu_s / r.wall_s : 0;
    run_result_free(&r);
    if (who == REFERENCE && !ok)
        fatal("%s: the reference failed 'gil %s'", g->chapter->dir, options);
    return ok;
}

/* Can this machine, now, run two CPU-bound workers at once? The reference without a GIL
 * tells; false (v skipped) when it cannot. */
static bool two_cpus_free(struct grading *g, const struct test *t, struct verdict *v)
{
    struct gil_run ref;
    run_gil(g, t, REFERENCE, "-k cpu -x threads -w 2 -d 0.3", &ref, v);
    if (ref.cpus < 1.6) {
        verdict_skip(v, "the reference's 2 threads without a GIL kept only %.2f CPUs busy here: "
                        "this machine cannot tell a serializing lock from none", ref.cpus);
        return false;
    }
    return true;
}

static void check_gil_serializes(struct grading *g, const struct test *t, struct verdict *v)
{
    struct gil_run s;
    int workers = (int)rng_range(g->rng, 2, 4);
    char options[96];
    snprintf(options, sizeof options, "-k cpu -x threads -w %d -g -d 0.4", workers);
    if (!run_gil(g, t, STUDENT, options, &s, v) || !two_cpus_free(g, t, v))
        return;
    if (s.workers != workers || s.calls <= 0) {
        verdict_failf(v, "one count per worker, all together more than 0", "%d counts, %lld calls",
                      s.workers, s.calls);
        return;
    }
    add_note(v, "'gil %s' kept %.2f CPUs busy", options, s.cpus);
    if (s.cpus > param_real(t, "max_cpus", 1.3)) {
        char *expected = xasprintf("with -g, %d CPU-bound threads take turns: about 1 CPU busy", workers);
        verdict_failf(v, expected, "%.2f CPUs busy: the threads computed at the same time", s.cpus);
        free(expected);
        return;
    }
    verdict_pass(v, t);
}

static void check_gil_fair(struct grading *g, const struct test *t, struct verdict *v)
{
    int workers = (int)rng_range(g->rng, 3, 8);
    char options[96];
    snprintf(options, sizeof options, "-k cpu -x threads -w %d -g -d %.1f", workers,
             param_real(t, "seconds", 1.0));
    struct gil_run s;
    if (!run_gil(g, t, STUDENT, options, &s, v))
        return;
    double share = (double)s.calls / workers;
    for (int i = 0; i < s.workers; i++)
        if ((double)s.per_worker[i] < share / 4) {
            char *expected = xasprintf("'gil %s': every worker at least a quarter of an equal "
                                       "share (%.0f calls)", options, share / 4);
            verdict_failf(v, expected, "worker %d made %lld calls: a holder that is asked to "
                          "drop the lock must let a waiter have it", i + 1, s.per_worker[i]);
            free(expected);
            return;
        }
    verdict_pass(v, t);
}

static void check_gil_processes(struct grading *g, const struct test *t, struct verdict *v)
{
    struct gil_run s;
    if (!run_gil(g, t, STUDENT, "-k cpu -x processes -w 2 -g -d 0.4", &s, v) ||
        !two_cpus_free(g, t, v))
        return;
    add_note(v, "'gil -k cpu -x processes -w 2 -g' kept %.2f CPUs busy", s.cpus);
    if (s.cpus < param_real(t, "min_cpus", 1.6))
        verdict_failf(v, "with -g, 2 processes still compute at once (each has its own lock): "
                      "about 2 CPUs busy", "%.2f CPUs busy", s.cpus);
    else
        verdict_pass(v, t);
}

static void check_gil_io(struct grading *g, const struct test *t, struct verdict *v)
{
    struct gil_run one, four;
    if (!run_gil(g, t, STUDENT, "-k io -x threads -w 1 -g -d 0.4", &one, v) ||
        !run_gil(g, t, STUDENT, "-k io -x threads -w 4 -g -d 0.4", &four, v))
        return;
    double ratio = one.calls ? (double)four.calls / (double)one.calls : 0;
    add_note(v, "I/O-bound threads with -g: 1 made %lld calls, 4 made %lld (%.2fx)", one.calls,
             four.calls, ratio);
    if (ratio < param_real(t, "min_ratio", 3.0))
        verdict_failf(v, "with -g, 4 I/O-bound threads make about 4 times the calls of 1 (the "
                      "lock is dropped around blocking I/O)", "%.2fx", ratio);
    else
        verdict_pass(v, t);
}

const struct check_entry ch06_checks[] = {
    {"gil_serializes", check_gil_serializes},
    {"gil_fair", check_gil_fair},
    {"gil_processes", check_gil_processes},
    {"gil_io", check_gil_io},
    {NULL, NULL},
};
