/* ch03.c - 03-pool-square-map: exact output on random inputs, and that the squaring
 * happened in a pool of WORKERS processes forked once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

#define MAX_ABS 3037000499LL

static long long random_number(struct rng *rng)
{
    switch (rng_range(rng, 0, 9)) {
    case 0: return rng_range(rng, MAX_ABS - 1000, MAX_ABS);
    case 1: return -rng_range(rng, MAX_ABS - 1000, MAX_ABS);
    case 2: return 0;
    default: return rng_range(rng, -100000, 100000);
    }
}

/* "[a², b², ...]" as Python prints a list. */
static char *python_list(const long long *nums, size_t n)
{
    struct buf b = {0};
    buf_add(&b, "[", 1);
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, i ? ", %lld" : "%lld", nums[i] * nums[i]);
    buf_add(&b, "]\n", 2);
    return b.data;
}

/* args: the options, then "--" and the numbers (so negatives are not read as options). */
static char **pool_args(const char *options, const long long *nums, size_t n)
{
    char **opts = args_printf("%s", options);
    size_t k = 0;
    while (opts[k])
        k++;
    char **args = xcalloc(k + n + 2, sizeof *args);
    memcpy(args, opts, k * sizeof *args);
    free(opts);
    args[k++] = xstrdup("--");
    for (size_t i = 0; i < n; i++)
        args[k++] = xasprintf("%lld", nums[i]);
    return args;
}

/* Runs square_map and compares its one line; false (v filled) on any difference. */
static bool expect_squares(struct grading *g, const struct test *t, char **args, const char *input,
                           const long long *nums, size_t n, const char *what, struct verdict *v)
{
    struct run_options o = {.input = input, .input_len = input ? strlen(input) : 0};
    struct run_result r;
    run_program(g, STUDENT, t, args, &o, &r);
    char *expected = python_list(nums, n);
    bool ok = !run_failed(&r, t, v);
    if (ok && (!r.exited || r.exit_code != 0 || strcmp(r.out.data, expected) != 0)) {
        char *want = shorten(expected, strlen(expected), 160);
        char *got = shorten(r.out.data, r.out.len, 160);
        char *shown = args_text(args);
        char *exp = xasprintf("%s: '%s' (square_map %.120s%s)", what, want, shown,
                              strlen(shown) > 120 ? " ..." : "");
        verdict_failf(v, exp, "'%s', exit status %d", got, r.exit_code);
        free(want), free(got), free(shown), free(exp);
        ok = false;
    }
    free(expected);
    run_result_free(&r);
    return ok;
}

static void check_pool_output(struct grading *g, const struct test *t, struct verdict *v)
{
    struct rng *rng = g->rng;
    long long nums[64];
    /* Empty input, fewer numbers than workers, a chunk that does not divide n, the default. */
    char **empty = args_printf("-w %lld", rng_range(rng, 1, 4));
    bool ok = expect_squares(g, t, empty, "\n", NULL, 0, "no numbers on stdin", v);
    args_free(empty);
    for (int kind = 0; ok && kind < 3; kind++) {
        int workers = (int)rng_range(rng, 2, 6);
        size_t n = kind == 0 ? (size_t)rng_range(rng, 1, workers - 1) : (size_t)rng_range(rng, 10, 64);
        for (size_t i = 0; i < n; i++)
            nums[i] = random_number(rng);
        char options[64];
        int chunk = 3;
        while (n % (size_t)chunk == 0)
            chunk++;
        if (kind == 1)
            snprintf(options, sizeof options, "-w %d -c %d", workers, chunk);
        else
            snprintf(options, sizeof options, "-w %d", workers);
        char **args = pool_args(options, nums, n);
        static const char *const what[] = {"fewer numbers than workers", "a chunk size that does not divide n", "the default chunk size"};
        ok = expect_squares(g, t, args, NULL, nums, n, what[kind], v);
        args_free(args);
    }
    if (ok)
        verdict_pass(v, t);
}

static void check_pool_stdin(struct grading *g, const struct test *t, struct verdict *v)
{
    size_t n = (size_t)param_int(t, "count", 100000);
    long long *nums = xcalloc(n, sizeof *nums);
    struct buf input = {0};
    static const char *const gaps[] = {" ", "\n", "\t", "  \n"};
    for (size_t i = 0; i < n; i++) {
        nums[i] = random_number(g->rng);
        buf_printf(&input, "%lld%s", nums[i], gaps[rng_range(g->rng, 0, 3)]);
    }
    char **args = args_printf("-w %lld", rng_range(g->rng, 2, 4));
    char *what = xasprintf("%zu numbers on stdin", n);
    if (expect_squares(g, t, args, input.data, nums, n, what, v))
        verdict_pass(v, t);
    free(what);
    args_free(args);
    buf_free(&input);
    free(nums);
}

static bool is_pool_child(const struct events *e, long long pid)
{
    for (int i = 0; i < e->child_count; i++)
        if (e->child_pids[i] == pid && e->child_parents[i] == e->main_pid)
            return true;
    return false;
}

static void check_pool_workers(struct grading *g, const struct test *t, struct verdict *v)
{
    int workers = (int)rng_range(g->rng, 2, 4);
    size_t n = (size_t)(12 * workers);
    long long nums[64];
    for (size_t i = 0; i < n; i++)
        nums[i] = rng_range(g->rng, 1, 1000);
    char options[64];
    snprintf(options, sizeof options, "-v -w %d -r %lld", workers, param_int(t, "rounds", 2000000));
    char **args = pool_args(options, nums, n);
    struct run_options o = {.probe = true};
    struct run_result r;
    run_program(g, STUDENT, t, args, &o, &r);
    char *expected = xasprintf("%d worker processes forked once by main; with heavy items each "
                               "squares some of the %zu numbers and says so with -v", workers, n);
    if (!run_failed(&r, t, v)) {
        struct events e;
        read_events(g, &e);
        long long pids[64];
        int distinct = 0, lines = 0;
        char **err = split_lines(r.err.data, r.err.len, NULL);
        const char *bad = NULL;
        for (char **l = err; *l && !bad; l++) {
            long long pid, x, sq;
            int end = 0;
            if (sscanf(*l, "worker %lld: square of %lld is %lld%n", &pid, &x, &sq, &end) != 3 ||
                (*l)[end] != '\0')
                continue;
            lines++;
            if (pid == e.main_pid)
                bad = "main squared a number itself";
            else if (!is_pool_child(&e, pid))
                bad = "a -v line names a pid that is not one of main's children";
            bool seen = false;
            for (int k = 0; k < distinct; k++)
                seen |= pids[k] == pid;
            if (!seen && distinct < 64)
                pids[distinct++] = pid;
        }
        free_lines(err);
        if (e.forks > workers)
            verdict_failf(v, expected, "main forked %d times for %d workers and %zu numbers: fork "
                          "the pool once, before handing out chunks", e.forks, workers, n);
        else if (bad)
            verdict_failf(v, expected, "%s", bad);
        else if ((size_t)lines != n)
            verdict_failf(v, expected, "%d lines 'worker PID: square of N is S' on stderr for %zu "
                          "numbers", lines, n);
        else if (distinct != workers)
            verdict_failf(v, expected, "%d different processes squared numbers", distinct);
        else
            verdict_pass(v, t);
        events_free(&e);
    }
    free(expected);
    args_free(args);
    run_result_free(&r);
}

const struct check_entry ch03_checks[] = {
    {"pool_output", check_pool_output},
    {"pool_stdin", check_pool_stdin},
    {"pool_workers", check_pool_workers},
    {NULL, NULL},
};
