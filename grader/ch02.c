/* ch02.c - 02-processes-hello: the parent's lines, the children's lines, that the children
 * were real processes with their own copy of x, and that the parent reaped them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

struct fork_run {
    int procs;
    struct run_result r;
    char **lines;
    size_t count;
    long long parent;    /* P of the first line, -1 when it does not parse */
    long long last_parent, reaped, status_sum, last_x; /* from the last line */
    bool last_ok;
};

static bool parse_first(const char *line, long long *parent)
{
    int end = 0;
    return sscanf(line, "parent %lld: x = 0 before fork%n", parent, &end) == 1 &&
           line[end] == '\0';
}

static bool parse_last(struct fork_run *f)
{
    const char *line = f->count ? f->lines[f->count - 1] : "";
    int end = 0;
    return sscanf(line, "parent %lld: reaped %lld children, exit status sum = %lld, x = %lld%n",
                  &f->last_parent, &f->reaped, &f->status_sum, &f->last_x, &end) == 4 &&
           line[end] == '\0';
}

/* "child I of N (pid C): x = I": I, N, C and x; false when it is not such a line. */
static bool parse_child(const char *line, long long *i, long long *n, long long *pid, long long *x)
{
    int end = 0;
    return sscanf(line, "child %lld of %lld (pid %lld): x = %lld%n", i, n, pid, x, &end) == 4 &&
           line[end] == '\0';
}

static bool run_fork_hello(struct grading *g, const struct test *t, bool probe, struct fork_run *f,
                           struct verdict *v)
{
    *f = (struct fork_run){.parent = -1};
    f->procs = (int)rng_range(g->rng, param_int(t, "min_procs", 1), param_int(t, "max_procs", 12));
    char **args = args_printf("-p %d", f->procs);
    struct run_options o = {.probe = probe};
    run_program(g, STUDENT, t, args, &o, &f->r);
    args_free(args);
    f->lines = split_lines(f->r.out.data, f->r.out.len, &f->count);
    if (run_failed(&f->r, t, v))
        return false;
    if (!f->r.exited || f->r.exit_code != 0) {
        verdict_failf(v, "exit status 0", "exit status %d", f->r.exit_code);
        return false;
    }
    if (f->count == 0 || !parse_first(f->lines[0], &f->parent))
        f->parent = -1;
    f->last_ok = parse_last(f);
    return true;
}

static void fork_done(struct fork_run *f)
{
    run_result_free(&f->r);
    free_lines(f->lines);
}

static const char *line_or_none(struct fork_run *f, size_t i)
{
    return i < f->count ? f->lines[i] : "(no line)";
}

static void check_fork_parent_lines(struct grading *g, const struct test *t, struct verdict *v)
{
    for (int run = 0; run < param_int(t, "runs", 3); run++) {
        struct fork_run f;
        bool ok = run_fork_hello(g, t, true, &f, v);
        if (ok) {
            struct events e;
            read_events(g, &e);
            long long sum = (long long)f.procs * (f.procs + 1) / 2;
            if (f.parent < 0) {
                verdict_failf(v, "first line 'parent P: x = 0 before fork'", "'%s'", line_or_none(&f, 0));
                ok = false;
            } else if (f.parent != e.main_pid) {
                verdict_failf(v, "P in 'parent P: ...' is the parent's own pid (getpid())",
                      "P = %lld, the parent's pid is %lld", f.parent, e.main_pid);
                ok = false;
            } else if (!f.last_ok || f.last_parent != f.parent || f.reaped != f.procs ||
                       f.status_sum != sum) {
                char *expected = xasprintf("last line 'parent %lld: reaped %d children, exit "
                                           "status sum = %lld, x = 0' (-p %d)",
                                           f.parent, f.procs, sum, f.procs);
                verdict_failf(v, expected, "'%s'", line_or_none(&f, f.count - 1));
                free(expected);
                ok = false;
            }
            events_free(&e);
        }
        fork_done(&f);
        if (!ok)
            return;
    }
    verdict_pass(v, t);
}

static void check_fork_child_lines(struct grading *g, const struct test *t, struct verdict *v)
{
    for (int run = 0; run < param_int(t, "runs", 3); run++) {
        struct fork_run f;
        bool ok = run_fork_hello(g, t, false, &f, v);
        if (ok) {
            char **expected = xcalloc((size_t)f.procs + 1, sizeof *expected);
            for (int i = 0; i < f.procs; i++)
                expected[i] = xasprintf("child %d of %d (pid C): x = %d", i + 1, f.procs, i + 1);
            /* The pids are checked by their own test: here they only have to be numbers. */
            char **found = xcalloc(f.count + 1, sizeof *found);
            size_t n = 0;
            for (size_t i = 1; i + 1 < f.count; i++) {
                long long ci, cn, pid, x;
                found[n++] = parse_child(f.lines[i], &ci, &cn, &pid, &x)
                                 ? xasprintf("child %lld of %lld (pid C): x = %lld", ci, cn, x)
                                 : xstrdup(f.lines[i]);
            }
            char *what = xasprintf("lines 'child I of %d (pid C): x = I' between the parent's first "
                                   "and last line", f.procs);
            ok = same_lines_any_order(expected, found, what, v);
            free(what);
            free_lines(found);
            free_lines(expected);
        }
        fork_done(&f);
        if (!ok)
            return;
    }
    verdict_pass(v, t);
}

static void check_fork_real_children(struct grading *g, const struct test *t, struct verdict *v)
{
    struct fork_run f;
    if (run_fork_hello(g, t, true, &f, v)) {
        struct events e;
        read_events(g, &e);
        char *expected = xasprintf("%d children forked by the parent, each printing its own "
                                   "pid (getpid() in the child), all different", f.procs);
        bool ok = true;
        if (e.forks != f.procs) {
            verdict_failf(v, expected, "the parent called fork %d times", e.forks);
            ok = false;
        }
        long long *seen = xcalloc(f.count + 1, sizeof *seen);
        size_t n_seen = 0;
        for (size_t i = 0; ok && i < f.count; i++) {
            long long ci, cn, pid, x;
            if (!parse_child(f.lines[i], &ci, &cn, &pid, &x))
                continue;
            bool forked = false;
            for (int k = 0; k < e.child_count; k++)
                forked |= e.child_pids[k] == pid && e.child_parents[k] == e.main_pid;
            bool repeated = false;
            for (size_t k = 0; k < n_seen; k++)
                repeated |= seen[k] == pid;
            seen[n_seen++] = pid;
            if (pid == e.main_pid || !forked || repeated) {
                verdict_failf(v, expected, "'%s': %s", f.lines[i],
                      pid == e.main_pid ? "that is the parent's pid"
                      : repeated        ? "another child printed the same pid"
                                        : "no child of the parent had that pid");
                ok = false;
            }
        }
        if (ok && n_seen != (size_t)f.procs) {
            verdict_failf(v, expected, "%zu child lines", n_seen);
            ok = false;
        }
        if (ok)
            verdict_pass(v, t);
        free(seen);
        free(expected);
        events_free(&e);
    }
    fork_done(&f);
}

static void check_fork_separate_memory(struct grading *g, const struct test *t, struct verdict *v)
{
    struct fork_run f;
    if (run_fork_hello(g, t, false, &f, v)) {
        if (!f.last_ok)
            verdict_failf(v, "last line ending 'x = 0'", "'%s'", line_or_none(&f, f.count - 1));
        else if (f.last_x != 0)
            verdict_failf(v, "x = 0 in the parent after the children set their own x",
                  "x = %lld: the children changed the parent's x, so they do not have "
                  "their own copy of memory", f.last_x);
        else
            verdict_pass(v, t);
    }
    fork_done(&f);
}

const struct check_entry ch02_checks[] = {
    {"fork_parent_lines", check_fork_parent_lines},
    {"fork_child_lines", check_fork_child_lines},
    {"fork_real_children", check_fork_real_children},
    {"fork_separate_memory", check_fork_separate_memory},
    {NULL, NULL},
};
