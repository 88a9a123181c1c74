/* speedup.c - the timed pass: how much faster the "fast" command line is than the "slow"
 * one, for the student and for the reference, measured in the same run, interleaved,
 * median of several runs. The student passes at a tolerance of the reference's ratio. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "checks.h"
#include "speedup.h"

struct timing {
    double slow, fast; /* median wall seconds */
};

/* Reference numbers measured once and reused (a batch, or --reference-numbers FILE). */
static json_t *known_reference;

bool speedup_load_reference_numbers(const char *path)
{
    if (access(path, F_OK) != 0)
        return false;
    json_error_t error;
    json_t *numbers = json_load_file(path, 0, &error);
    if (!json_is_object(numbers))
        fatal("%s:%d: reference numbers: %s", path, error.line,
              numbers ? "must be a JSON object" : error.text);
    json_decref(known_reference);
    known_reference = numbers;
    return true;
}

bool speedup_save_reference_numbers(const char *path)
{
    char *tmp = xasprintf("%s.tmp", path);
    bool ok = json_dump_file(speedup_reference_numbers(), tmp, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 &&
              rename(tmp, path) == 0;
    free(tmp);
    return ok;
}

json_t *speedup_reference_numbers(void)
{
    if (!known_reference)
        known_reference = json_object();
    return known_reference;
}

static char *reference_key(const struct grading *g, const struct test *t)
{
    return xasprintf("%s/%s", g->chapter->dir, t->id);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *xs, int n)
{
    qsort(xs, (size_t)n, sizeof *xs, compare_doubles);
    return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

/* One timed run; false (v filled) when it failed or its exit status was not 0. */
static bool timed_run(struct grading *g, const struct test *t, enum who who, char **args,
                      double *seconds, struct verdict *v)
{
    struct run_result r;
    run_program(g, who, t, args, NULL, &r);
    bool ok = !run_failed(&r, t, v);
    if (ok && (!r.exited || r.exit_code != 0)) {
        char *shown = args_text(args);
        char *expected = xasprintf("'%s %s' succeeds while timed", g->chapter->program, shown);
        char *why = describe_ending(&r, &t->limits);
        verdict_failf(v, expected, "%s", why);
        free(shown), free(expected), free(why);
        ok = false;
    }
    if (ok && who == REFERENCE && !r.exited)
        fatal("%s: the reference failed a timed run", g->chapter->dir);
    *seconds = r.wall_s;
    run_result_free(&r);
    return ok;
}

static double ratio(struct timing t)
{
    return t.fast > 0 ? t.slow / t.fast : 0;
}

/* Times the student's slow and fast command lines, interleaved with the reference's when
 * asked, median of runs each; false (v filled) when a student's run failed. */
static bool measure(struct grading *g, const struct test *t, char **slow, char **fast, int runs,
                    bool with_reference, struct timing *ref, struct timing *stu, struct verdict *v)
{
    double *times = xcalloc((size_t)runs * 4, sizeof *times);
    double *ref_slow = times, *ref_fast = times + runs, *stu_slow = times + 2 * runs,
           *stu_fast = times + 3 * runs;
    bool ok = true;
    for (int i = 0; i < runs && ok; i++) {
        /* Interleaved, so a drift in the machine's speed hits both programs alike. */
        if (with_reference)
            timed_run(g, t, REFERENCE, slow, &ref_slow[i], v);
        ok = timed_run(g, t, STUDENT, slow, &stu_slow[i], v);
        if (with_reference)
            timed_run(g, t, REFERENCE, fast, &ref_fast[i], v);
        ok = ok && timed_run(g, t, STUDENT, fast, &stu_fast[i], v);
    }
    if (with_reference)
        *ref = (struct timing){median(ref_slow, runs), median(ref_fast, runs)};
    if (ok)
        *stu = (struct timing){median(stu_slow, runs), median(stu_fast, runs)};
    free(times);
    return ok;
}

static void check_speedup(struct grading *g, const struct test *t, struct verdict *v)
{
    if (!g->options->speedup) {
        verdict_skip(v, "timed pass turned off (--no-speedup)");
        return;
    }
    int cpus = online_cpu_count();
    int min_cpus = (int)param_int(t, "min_cpus", 2);
    if (cpus < min_cpus) {
        verdict_skip(v, "this machine has %d CPU%s; a speedup needs at least %d", cpus,
             cpus == 1 ? "" : "s", min_cpus);
        return;
    }
    int runs = g->options->speedup_runs > 0 ? g->options->speedup_runs : (int)param_int(t, "runs", 5);
    double tolerance = param_real(t, "tolerance", 0.8);
    double min_reference = param_real(t, "min_reference", 1.2);
    const char *slow_name = json_string_value(json_object_get(t->params, "slow_name"));
    const char *fast_name = json_string_value(json_object_get(t->params, "fast_name"));
    char **slow = args_from_json(g, json_object_get(t->params, "slow"));
    char **fast = args_from_json(g, json_object_get(t->params, "fast"));
    char *key = reference_key(g, t);
    json_t *known = json_object_get(speedup_reference_numbers(), key);
    bool measure_reference = !json_is_object(known);

    struct timing ref, stu;
    bool ok = measure(g, t, slow, fast, runs, measure_reference, &ref, &stu, v);
    if (measure_reference) {
        json_t *entry = json_pack("{s:f, s:f, s:i}", "slow_s", ref.slow, "fast_s", ref.fast,
                                  "runs", runs);
        json_object_set_new(speedup_reference_numbers(), key, entry);
    } else {
        ref = (struct timing){json_real_value(json_object_get(known, "slow_s")),
                              json_real_value(json_object_get(known, "fast_s"))};
        /* Numbers measured earlier in a batch can be stale when the machine's load has
         * changed since: before failing a student against them, time both again, side by
         * side, and judge against that. */
        if (ok && ratio(stu) < tolerance * ratio(ref)) {
            struct timing fresh_ref, fresh_stu;
            if (measure(g, t, slow, fast, runs, true, &fresh_ref, &fresh_stu, v)) {
                add_note(v, "below the batch's reference numbers (student %.2fx, reference "
                            "%.2fx), so both were timed again side by side", ratio(stu), ratio(ref));
                ref = fresh_ref, stu = fresh_stu, measure_reference = true;
            } else {
                ok = false;
            }
        }
    }
    if (ok) {
        double ref_ratio = ratio(ref), stu_ratio = ratio(stu);
        double needed = tolerance * ref_ratio;
        add_note(v, "speedup, median of %d runs each: student %.2fx (%s %.3f s, %s %.3f s); "
                    "reference %.2fx (%.3f s, %.3f s)%s; pass at %.2fx (%.0f%% of the reference)",
                 runs, stu_ratio, slow_name ? slow_name : "slow", stu.slow,
                 fast_name ? fast_name : "fast", stu.fast, ref_ratio, ref.slow, ref.fast,
                 measure_reference ? "" : " measured earlier", needed, tolerance * 100);
        if (ref_ratio < min_reference) {
            verdict_skip(v, "the reference itself shows only %.2fx here (less than %.2fx): this machine "
                    "cannot tell a parallel program from a serial one", ref_ratio, min_reference);
        } else if (stu_ratio >= needed) {
            verdict_pass(v, t);
        } else {
            double part = (stu_ratio - 1) / (needed - 1);
            part = part < 0 ? 0 : part > 1 ? 1 : part;
            char *expected = xasprintf("a speedup of at least %.2fx", needed);
            verdict_failf(v, expected, "%.2fx", stu_ratio);
            v->score = floor(part * t->points * 10) / 10;
            free(expected);
        }
    }
    free(key);
    args_free(slow);
    args_free(fast);
}

/* The student's program against the reference on the same command line: no more than
 * "factor" times slower (median of interleaved runs), partial credit up to twice that. */
static void check_pace(struct grading *g, const struct test *t, struct verdict *v)
{
    if (!g->options->speedup) {
        verdict_skip(v, "timed pass turned off (--no-speedup)");
        return;
    }
    int runs = g->options->speedup_runs > 0 ? g->options->speedup_runs : (int)param_int(t, "runs", 5);
    double factor = param_real(t, "factor", 2.0);
    char **args = args_from_json(g, json_object_get(t->params, "args"));
    char *shown = args_text(args);
    double *times = xcalloc((size_t)runs * 2, sizeof *times);
    bool ok = true;
    for (int i = 0; i < runs && ok; i++) {
        timed_run(g, t, REFERENCE, args, &times[i], v);
        ok = timed_run(g, t, STUDENT, args, &times[runs + i], v);
    }
    if (ok) {
        double ref = median(times, runs), stu = median(times + runs, runs);
        double ratio = ref > 0 ? stu / ref : 0;
        add_note(v, "'%s %s', median of %d runs each: student %.3f s, reference %.3f s (%.2fx "
                    "the reference's time; pass at %.1fx or less)",
                 g->chapter->program, shown, runs, stu, ref, ratio, factor);
        if (ratio <= factor) {
            verdict_pass(v, t);
        } else {
            char *expected = xasprintf("at most %.1fx the reference's time", factor);
            verdict_failf(v, expected, "%.2fx", ratio);
            double part = (2 * factor - ratio) / factor;
            v->score = floor((part < 0 ? 0 : part) * t->points * 10) / 10;
            free(expected);
        }
    }
    free(times);
    free(shown);
    args_free(args);
}

const struct check_entry speedup_checks[] = {
    {"speedup", check_speedup},
    {"pace", check_pace},
    {NULL, NULL},
};
