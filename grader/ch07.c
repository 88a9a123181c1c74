/* ch07.c - 07-crash-isolation: who survives a crash (processes lose only the crasher, or
 * nobody with -R; threads lose the whole process), the signal reported, no core files. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

enum mode { DEFAULT_MODE, THREADS, PROCESSES };

struct crash_case {
    enum mode mode;
    int workers, crasher; /* -1: option left out (defaults 4 and 1) */
    bool restart;
};

struct crash_run {
    struct crash_case c;
    int workers, crasher; /* what the program should use */
    char *shown;          /* "-x processes -w 5 -c 2 -R" */
    struct run_result r;
    char **lines;
    size_t count;
};

static char **case_args(const struct crash_case *c)
{
    struct buf b = {0};
    buf_add(&b, "", 0);
    if (c->mode != DEFAULT_MODE)
        buf_printf(&b, "-x %s ", c->mode == THREADS ? "threads" : "processes");
    if (c->workers >= 0)
        buf_printf(&b, "-w %d ", c->workers);
    if (c->crasher >= 0)
        buf_printf(&b, "-c %d ", c->crasher);
    if (c->restart)
        buf_printf(&b, "-R");
    char **args = args_printf("%s", b.data);
    buf_free(&b);
    return args;
}

/* A random case: W in min_workers..max_workers, a crasher among them (or none). */
static struct crash_case random_case(struct grading *g, const struct test *t, enum mode mode,
                                     bool crash, bool restart)
{
    struct crash_case c = {.mode = mode, .restart = restart};
    c.workers = (int)rng_range(g->rng, param_int(t, "min_workers", 2), param_int(t, "max_workers", 8));
    c.crasher = crash ? (int)rng_range(g->rng, 1, c.workers) : 0;
    return c;
}

/* Runs crash with case c; false (v filled) when it did not run to a clean end. */
static bool run_crash(struct grading *g, const struct test *t, const struct crash_case *c,
                      bool probe, struct crash_run *cr, struct verdict *v)
{
    *cr = (struct crash_run){.c = *c};
    cr->workers = c->workers >= 0 ? c->workers : 4;
    cr->crasher = c->crasher >= 0 ? c->crasher : 1;
    char **args = case_args(c);
    cr->shown = args_text(args);
    struct run_options o = {.probe = probe};
    run_program(g, STUDENT, t, args, &o, &cr->r);
    args_free(args);
    cr->lines = split_lines(cr->r.out.data, cr->r.out.len, &cr->count);
    if (run_failed(&cr->r, t, v)) {
        add_note(v, "while running 'crash %s'", cr->shown);
        return false;
    }
    if (!cr->r.exited || cr->r.exit_code != 0) {
        char *expected = xasprintf("'crash %s' exits with status 0 (a crash is the result, "
                                   "not an error)", cr->shown);
        char *err = shorten(cr->r.err.data, cr->r.err.len, 200);
        verdict_failf(v, expected, "exit status %d%s%s", cr->r.exit_code,
                      cr->r.err.len ? ", stderr: " : "", err);
        free(expected), free(err);
        return false;
    }
    return true;
}

static void crash_done(struct crash_run *cr)
{
    run_result_free(&cr->r);
    free_lines(cr->lines);
    free(cr->shown);
}

static long long sum_of_squares(int n)
{
    long long s = 0;
    for (long long i = 1; i <= n; i++)
        s += i * i;
    return s;
}

/* The lines the contract asks for, computed here; true when the output matches them. */
static bool check_output(const struct crash_run *cr, struct verdict *v)
{
    int w = cr->workers, c = cr->crasher;
    bool processes = cr->c.mode == PROCESSES;
    bool restarted = processes && cr->c.restart && c > 0;
    /* Threads: one process, so the crasher takes every worker with it. Processes: only
     * the crasher dies, and -R brings it back. */
    int completed = c == 0 ? w : !processes ? 0 : restarted ? w : w - 1;
    int crashed = c == 0 ? 0 : processes ? 1 : w;
    char *summary = xasprintf("mode %s: %d of %d workers completed, crashed %d (%s), restarted %d",
                              processes ? "processes" : "threads", completed, w, crashed,
                              c ? "SIGSEGV" : "none", restarted ? 1 : 0);
    const char *last = cr->count ? cr->lines[cr->count - 1] : "(no output)";
    bool ok = strcmp(last, summary) == 0;
    if (!ok) {
        char *expected = xasprintf("last line '%s' for 'crash %s'", summary, cr->shown);
        char *shown = shorten(last, strlen(last), 200);
        verdict_failf(v, expected, "'%s'", shown);
        free(expected), free(shown);
    }
    if (ok) {
        char **expected = xcalloc((size_t)w + 1, sizeof *expected);
        size_t n = 0;
        for (int i = 1; i <= w; i++)
            if (c == 0 || restarted || (processes && i != c))
                expected[n++] = xasprintf("worker %d: result %lld", i, sum_of_squares(i));
        char **found = xcalloc(cr->count + 1, sizeof *found);
        for (size_t i = 0; i + 1 < cr->count; i++)
            found[i] = cr->lines[i];
        char *what = xasprintf("result lines before the last line for 'crash %s'", cr->shown);
        ok = same_lines_any_order(expected, found, what, v);
        free(what);
        free(found);
        free_lines(expected);
    }
    free(summary);
    return ok;
}

/* The probe's counts: one child per worker (plus one per restart) in processes mode,
 * W threads in threads mode when nothing crashes. */
static bool check_events(struct grading *g, const struct crash_run *cr, struct verdict *v)
{
    struct events e;
    read_events(g, &e);
    bool ok = true;
    int w = cr->workers;
    if (cr->c.mode == PROCESSES) {
        int want = w + (cr->c.restart && cr->crasher > 0);
        if (e.forks != want) {
            char *expected = xasprintf("one child process per worker%s: %d forks for 'crash %s'",
                                       want > w ? ", one more for the restart" : "", want,
                                       cr->shown);
            verdict_failf(v, expected, "%d fork%s", e.forks, e.forks == 1 ? "" : "s");
            free(expected);
            ok = false;
        }
    } else if (cr->crasher == 0 && e.threads_started != w) {
        char *expected = xasprintf("%d worker threads for 'crash %s'", w, cr->shown);
        verdict_failf(v, expected, "%d threads started", e.threads_started);
        free(expected);
        ok = false;
    }
    events_free(&e);
    return ok;
}

/* Runs every case; passes when each run's output (and, with probe, its counts) is right. */
static void check_cases(struct grading *g, const struct test *t, const struct crash_case *cases,
                        int n, struct verdict *v)
{
    for (int i = 0; i < n; i++) {
        struct crash_run cr;
        bool ok = run_crash(g, t, &cases[i], true, &cr, v) && check_output(&cr, v) &&
                  check_events(g, &cr, v);
        crash_done(&cr);
        if (!ok)
            return;
    }
    verdict_pass(v, t);
}

static void check_crash_processes(struct grading *g, const struct test *t, struct verdict *v)
{
    struct crash_case cases[] = {
        random_case(g, t, PROCESSES, true, false),
        random_case(g, t, PROCESSES, false, false),
        {PROCESSES, -1, -1, false},
        random_case(g, t, PROCESSES, true, false),
    };
    check_cases(g, t, cases, 4, v);
}

static void check_crash_threads(struct grading *g, const struct test *t, struct verdict *v)
{
    struct crash_case cases[] = {
        random_case(g, t, THREADS, true, false),
        random_case(g, t, THREADS, true, true), /* -R is accepted and changes nothing */
        {DEFAULT_MODE, -1, -1, false},
        random_case(g, t, THREADS, false, false),
    };
    check_cases(g, t, cases, 4, v);
}

static void check_crash_restart(struct grading *g, const struct test *t, struct verdict *v)
{
    struct crash_case cases[] = {
        random_case(g, t, PROCESSES, true, true),
        random_case(g, t, PROCESSES, false, true),
        random_case(g, t, PROCESSES, true, true),
    };
    check_cases(g, t, cases, 3, v);
}

/* The first file of the run's folder named core*, or NULL. */
static char *core_file(struct grading *g)
{
    DIR *d = opendir(g->run_dir);
    if (!d)
        return NULL;
    char *found = NULL;
    struct dirent *e;
    while (!found && (e = readdir(d)))
        if (strncmp(e->d_name, "core", 4) == 0)
            found = xstrdup(e->d_name);
    closedir(d);
    return found;
}

/* Runs crash under strace, which records whether the program itself set RLIMIT_CORE to 0
 * (the sandbox already sets it, so a core file can never show up by itself here).
 * Returns 1 when it did, 0 when it did not, -1 when strace could not trace here. */
static int traced_core_limit(struct grading *g, const struct test *t, const struct crash_case *c,
                             struct verdict *v)
{
    char *strace = find_program("strace");
    if (!strace)
        return -1;
    char **args = case_args(c);
    size_t nargs = 0;
    while (args[nargs])
        nargs++;
    char *log = xasprintf("%s/.pcw-strace.log", g->run_dir);
    const char *prefix[] = {strace, "-f", "-q", "-e", "trace=/rlimit", "-o", log,
                            g->student->binary};
    size_t np = sizeof prefix / sizeof prefix[0];
    char **argv = xcalloc(np + nargs + 1, sizeof *argv);
    memcpy(argv, prefix, sizeof prefix);
    memcpy(argv + np, args, nargs * sizeof *argv);
    struct limits limits = t->limits;
    limits.wall_s *= 2;
    prepare_run_dir(g->run_dir);
    struct run_spec spec = {.argv = argv, .dir = g->run_dir, .limits = limits};
    struct run_result r;
    run_sandboxed(&spec, &r);
    struct buf text = {0};
    read_file(log, &text, 4 << 20);
    const char *trace = text.data ? text.data : "";
    int result = -1;
    if (r.exited && strstr(trace, "+++ exited with"))
        result = strstr(trace, "RLIMIT_CORE, {rlim_cur=0,") != NULL;
    char *core = core_file(g);
    if (core) {
        char *shown = args_text(args);
        char *expected = xasprintf("no core file left by 'crash %s'", shown);
        verdict_failf(v, expected, "a file '%s' in the folder it ran in", core);
        free(shown), free(expected), free(core);
        result = 0;
    }
    run_result_free(&r);
    buf_free(&text);
    args_free(args);
    free(argv), free(log), free(strace);
    return result;
}

static void check_crash_no_cores(struct grading *g, const struct test *t, struct verdict *v)
{
    struct crash_case cases[] = {
        random_case(g, t, THREADS, true, false),
        random_case(g, t, PROCESSES, true, true),
    };
    /* The crashes themselves, with no core file left in the folder they ran in. */
    for (int i = 0; i < 2; i++) {
        struct crash_run cr;
        bool ok = run_crash(g, t, &cases[i], false, &cr, v);
        char *core = ok ? core_file(g) : NULL;
        if (core) {
            char *expected = xasprintf("no core file left by 'crash %s'", cr.shown);
            verdict_failf(v, expected, "a file '%s' in the folder it ran in", core);
            free(expected), free(core);
            ok = false;
        }
        crash_done(&cr);
        if (!ok)
            return;
    }
    /* The grader never lets a program dump core, so whether this one would is seen in the
     * limit it sets itself. */
    const char *expected = "the program sets RLIMIT_CORE to 0 (setrlimit) before the workers "
                           "crash, so no core file is written even where core dumps are allowed";
    bool traced = param_int(t, "trace", 1) != 0;
    int set = traced ? traced_core_limit(g, t, &cases[0], v) : -1;
    if (v->status == FAIL)
        return;
    if (set < 0) {
        /* No strace, or no ptrace here: the source has to name the limit at least. */
        struct buf src = {0};
        read_file(g->source, &src, SOURCE_MAX_BYTES + 1);
        set = src.data && strstr(src.data, "RLIMIT_CORE") ? 1 : 0;
        buf_free(&src);
        add_note(v, "strace %s, so only the source was searched for RLIMIT_CORE",
                 traced ? "could not trace the program here" : "turned off for this test");
        if (!set) {
            verdict_fail(v, expected, "RLIMIT_CORE appears nowhere in the source");
            return;
        }
    } else if (!set) {
        verdict_fail(v, expected, "no setrlimit(RLIMIT_CORE) with a soft limit of 0 was made "
                     "(seen by strace)");
        return;
    }
    verdict_pass(v, t);
}

const struct check_entry ch07_checks[] = {
    {"crash_processes", check_crash_processes},
    {"crash_threads", check_crash_threads},
    {"crash_restart", check_crash_restart},
    {"crash_no_cores", check_crash_no_cores},
    {NULL, NULL},
};
