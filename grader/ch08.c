/* ch08.c - 08-spawn-cost: the output line, and that COUNT threads or children were really
 * created and waited for, as the probe saw them (vfork cannot be interposed: its children
 * are counted as they are reaped). The costs are compared by the generic speedup kind. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

enum method { THREAD, FORK, VFORK, POSIX_SPAWN, METHODS };
static const char *const method_names[] = {"thread", "fork", "vfork", "posix_spawn"};

/* What the probe's file says, split finer than struct events does. */
struct spawn_events {
    struct events e;
    int fork_calls;    /* fork() only */
    int spawn_calls;   /* posix_spawn() only */
    int programs;      /* new programs started by the main process (exec lines) */
};

static void read_spawn_events(struct grading *g, struct spawn_events *s)
{
    *s = (struct spawn_events){0};
    read_events(g, &s->e);
    char *path = xasprintf("%s/.pcw-events", g->run_dir);
    struct buf text = {0};
    read_file(path, &text, 4 << 20);
    free(path);
    char **lines = split_lines(text.data ? text.data : "", text.len, NULL);
    for (char **l = lines; *l; l++) {
        long long a, b;
        if (sscanf(*l, "fork %lld %lld", &a, &b) == 2)
            s->fork_calls++;
        else if (sscanf(*l, "spawn %lld %lld", &a, &b) == 2)
            s->spawn_calls++;
        else if (sscanf(*l, "exec %lld %lld", &a, &b) == 2 && a != s->e.main_pid &&
                 b == s->e.main_pid)
            s->programs++;
    }
    free_lines(lines);
    buf_free(&text);
}

/* "spawned N via X: M us per spawn+wait", M a plain decimal number; M in *mean. */
static bool parse_line(const char *line, long long count, const char *name, double *mean)
{
    char *prefix = xasprintf("spawned %lld via %s: ", count, name);
    static const char suffix[] = " us per spawn+wait";
    bool ok = strncmp(line, prefix, strlen(prefix)) == 0;
    if (ok) {
        const char *num = line + strlen(prefix);
        size_t digits = strspn(num, "0123456789.");
        char *end;
        *mean = strtod(num, &end);
        ok = digits > 0 && end == num + digits && strcmp(end, suffix) == 0 && isfinite(*mean);
    }
    free(prefix);
    return ok;
}

/* One run of spawn; method < 0 leaves out -x (and -n, -m: all defaults). */
static bool check_one(struct grading *g, const struct test *t, int method, struct verdict *v)
{
    long long count = 1000, megabytes = 0;
    char **args;
    if (method < 0) {
        args = args_printf("%s", "");
    } else {
        count = rng_range(g->rng, param_int(t, "min_count", 5), param_int(t, "max_count", 40));
        megabytes = rng_range(g->rng, 0, param_int(t, "max_megabytes", 4));
        args = args_printf("-x %s -n %lld -m %lld", method_names[method], count, megabytes);
    }
    enum method m = method < 0 ? THREAD : (enum method)method;
    const char *name = method_names[m];
    char *text = args_text(args);
    char *shown = xasprintf("spawn%s%s", *text ? " " : "", text);
    free(text);
    struct run_options o = {.probe = true};
    struct run_result r;
    run_program(g, STUDENT, t, args, &o, &r);
    args_free(args);
    size_t n;
    char **lines = split_lines(r.out.data, r.out.len, &n);
    bool ok = !run_failed(&r, t, v);
    if (!ok)
        add_note(v, "while running '%s'", shown);
    if (ok && (!r.exited || r.exit_code != 0)) {
        char *expected = xasprintf("'%s' exits with status 0", shown);
        char *err = shorten(r.err.data, r.err.len, 200);
        verdict_failf(v, expected, "exit status %d%s%s", r.exit_code, r.err.len ? ", stderr: " : "",
                      err);
        free(expected), free(err);
        ok = false;
    }
    double mean = 0;
    if (ok && (n != 1 || !parse_line(lines[0], count, name, &mean))) {
        char *expected = xasprintf("one line 'spawned %lld via %s: M us per spawn+wait' for '%s'",
                                   count, name, shown);
        char *out = shorten(r.out.data, r.out.len, 200);
        verdict_failf(v, expected, "%zu line%s: '%s'", n, n == 1 ? "" : "s", out);
        free(expected), free(out);
        ok = false;
    }
    if (ok) {
        struct spawn_events s;
        read_spawn_events(g, &s);
        char *found = NULL;
        const char *expected = NULL;
        /* posix_spawnp is not interposed: then the programs it started count them. */
        int started = s.spawn_calls > s.programs ? s.spawn_calls : s.programs;
        switch (m) {
        case THREAD:
            expected = "one thread created and joined per spawn";
            if (s.e.threads_started != count || s.e.joins != count || s.fork_calls || s.spawn_calls)
                found = xasprintf("%d threads started, %d joined, %d forks", s.e.threads_started,
                                  s.e.joins, s.fork_calls + s.spawn_calls);
            break;
        case FORK:
            expected = "one child forked (fork) and reaped (wait/waitpid) per spawn";
            if (s.fork_calls != count || s.e.reaps != count)
                found = xasprintf("%d fork%s, %d reaped", s.fork_calls, s.fork_calls == 1 ? "" : "s",
                                  s.e.reaps);
            break;
        case VFORK:
            expected = "one child made with vfork (not fork) and reaped (wait/waitpid) per spawn";
            if (s.fork_calls || s.spawn_calls || s.e.threads_started)
                found = xasprintf("%d fork calls, %d posix_spawn calls, %d threads: vfork mode "
                                  "must call vfork", s.fork_calls, s.spawn_calls,
                                  s.e.threads_started);
            else if (s.e.reaps != count)
                found = xasprintf("%d child%s reaped", s.e.reaps, s.e.reaps == 1 ? "" : "ren");
            break;
        case POSIX_SPAWN:
        default:
            expected = "one new program started with posix_spawn (no fork) and reaped "
                       "(wait/waitpid) per spawn";
            if (s.fork_calls)
                found = xasprintf("%d fork calls: a forked copy of the parent is no "
                                  "posix_spawn", s.fork_calls);
            else if (started != count || s.e.reaps != count)
                found = xasprintf("%d program%s started, %d reaped", started,
                                  started == 1 ? "" : "s", s.e.reaps);
            break;
        }
        if (found) {
            char *want = xasprintf("%s: %lld for '%s'", expected, count, shown);
            verdict_fail(v, want, found);
            free(want), free(found);
            ok = false;
        }
        events_free(&s.e);
    }
    /* The mean is per spawn+wait, in microseconds: positive, and all of them together fit in
     * the run's own wall time. */
    if (ok && (mean <= 0 || mean * (double)count / 1e6 > r.wall_s * 1.1 + 0.01)) {
        char *expected = xasprintf("M = the mean time of one spawn+wait in microseconds "
                                   "(the whole run of '%s' took %.0f us)", shown, r.wall_s * 1e6);
        verdict_failf(v, expected, "M = %g, so %lld of them take %.0f us", mean, count,
                      mean * (double)count);
        ok = false;
    }
    free_lines(lines);
    run_result_free(&r);
    free(shown);
    return ok;
}

/* Every method once, in a random order, and once with no options at all. */
static void check_spawn_created(struct grading *g, const struct test *t, struct verdict *v)
{
    int order[METHODS + 1] = {THREAD, FORK, VFORK, POSIX_SPAWN, -1};
    for (int i = METHODS; i > 0; i--) {
        int j = (int)rng_range(g->rng, 0, i);
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    for (int i = 0; i <= METHODS; i++)
        if (!check_one(g, t, order[i], v))
            return;
    verdict_pass(v, t);
}

const struct check_entry ch08_checks[] = {
    {"spawn_created", check_spawn_created},
    {NULL, NULL},
};
