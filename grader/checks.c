#define _GNU_SOURCE
#include "checks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- verdicts ---- */

void verdict_pass(struct verdict *v, const struct test *t)
{
    v->status = PASS;
    v->score = t->points;
}

void verdict_fail(struct verdict *v, const char *expected, const char *found)
{
    v->status = FAIL;
    v->score = 0;
    free(v->expected);
    free(v->found);
    v->expected = expected ? xstrdup(expected) : NULL;
    v->found = found ? xstrdup(found) : NULL;
}

void verdict_failf(struct verdict *v, const char *expected, const char *fmt, ...)
{
    char found[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(found, sizeof found, fmt, ap);
    va_end(ap);
    verdict_fail(v, expected, found);
}

void verdict_skip(struct verdict *v, const char *fmt, ...)
{
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    v->status = SKIP;
    v->score = 0;
    add_note(v, "skipped: %s", why);
}

void add_note(struct verdict *v, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *joined = v->note ? xasprintf("%s\n%s", v->note, text) : xstrdup(text);
    free(v->note);
    v->note = joined;
}

void verdict_free(struct verdict *v)
{
    free(v->expected);
    free(v->found);
    free(v->note);
    *v = (struct verdict){0};
}

long long param_int(const struct test *t, const char *key, long long fallback)
{
    json_t *v = json_object_get(t->params, key);
    return json_is_integer(v) ? json_integer_value(v) : fallback;
}

double param_real(const struct test *t, const char *key, double fallback)
{
    json_t *v = json_object_get(t->params, key);
    return json_is_number(v) ? json_number_value(v) : fallback;
}

/* ---- arguments ---- */

char **args_from_json(struct grading *g, json_t *list)
{
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    char **args = xcalloc(n + 1, sizeof *args);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(list, i));
        long long lo, hi;
        if (!s)
            fatal("%s: arguments must be strings", g->chapter->dir);
        if (sscanf(s, "${%lld..%lld}", &lo, &hi) == 2 && lo <= hi)
            args[i] = xasprintf("%lld", rng_range(g->rng, lo, hi));
        else
            args[i] = xstrdup(s);
    }
    return args;
}

char **args_printf(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = 0;
    char **args = xcalloc(sizeof line / 2 + 1, sizeof *args);
    for (char *word = strtok(line, " "); word; word = strtok(NULL, " "))
        args[n++] = xstrdup(word);
    return args;
}

void args_free(char **args)
{
    free_lines(args);
}

char *args_text(char **args)
{
    struct buf b = {0};
    buf_add(&b, "", 0);
    for (char **a = args; a && *a; a++)
        buf_printf(&b, "%s%s", a == args ? "" : " ", *a);
    return b.data;
}

/* ---- running ---- */

static char *events_path(struct grading *g)
{
    return xasprintf("%s/.pcw-events", g->run_dir);
}

void run_program(struct grading *g, enum who who, const struct test *t, char **args,
                 const struct run_options *o, struct run_result *r)
{
    static const struct run_options none;
    if (!o)
        o = &none;
    const struct build *b = who == STUDENT ? g->student : g->reference;
    size_t n = 0;
    while (args && args[n])
        n++;
    char **argv = xcalloc(n + 2, sizeof *argv);
    argv[0] = b->binary;
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = args[i];
    char *env[3] = {NULL};
    char *events = events_path(g);
    prepare_run_dir(g->run_dir);
    if (o->probe) {
        env[0] = xasprintf("LD_PRELOAD=%s", g->probe_lib);
        env[1] = xasprintf("PCW_PROBE_FILE=%s", events);
    }
    struct run_spec spec = {.argv = argv, .env = env, .input = o->input,
                            .input_len = o->input_len, .dir = g->run_dir,
                            .limits = t->limits};
    run_sandboxed(&spec, r);
    free(env[0]);
    free(env[1]);
    free(events);
    free(argv);
}

bool run_failed(const struct run_result *r, const struct test *t, struct verdict *v)
{
    if (r->started && !r->timed_out && !r->output_limited && !r->signaled)
        return false;
    char *why = describe_ending(r, &t->limits);
    char *err = shorten(r->err.data, r->err.len, 300);
    verdict_failf(v, "the program runs to the end by itself", "%s%s%s", why,
          r->err.len ? "\nstderr: " : "", err);
    free(why);
    free(err);
    return true;
}

static bool contains(const long long *list, int n, long long x)
{
    for (int i = 0; i < n; i++)
        if (list[i] == x)
            return true;
    return false;
}

void read_events(struct grading *g, struct events *e)
{
    *e = (struct events){0};
    char *path = events_path(g);
    struct buf text = {0};
    read_file(path, &text, 4 << 20);
    free(path);
    char **lines = split_lines(text.data ? text.data : "", text.len, NULL);
    int cap = 16;
    e->child_pids = xcalloc((size_t)cap, sizeof *e->child_pids);
    e->child_parents = xcalloc((size_t)cap, sizeof *e->child_parents);
    for (char **l = lines; *l; l++) {
        long long a, b;
        if (sscanf(*l, "exec %lld %lld", &a, &b) == 2 && e->main_pid == 0)
            e->main_pid = a;
        else if (sscanf(*l, "thread_start %lld %lld", &a, &b) == 2)
            e->threads_started++;
        else if (sscanf(*l, "thread_end %lld %lld", &a, &b) == 2)
            e->threads_finished++;
        else if (sscanf(*l, "join %lld", &a) == 1)
            e->joins++;
        else if (sscanf(*l, "fork %lld %lld", &a, &b) == 2 || sscanf(*l, "spawn %lld %lld", &a, &b) == 2)
            e->forks++;
        else if (sscanf(*l, "reap %lld %lld", &a, &b) == 2)
            e->reaps++;
        else if (sscanf(*l, "child %lld %lld", &a, &b) == 2 && !contains(e->child_pids, e->child_count, a)) {
            if (e->child_count == cap) {
                cap *= 2;
                e->child_pids = xrealloc(e->child_pids, (size_t)cap * sizeof *e->child_pids);
                e->child_parents = xrealloc(e->child_parents, (size_t)cap * sizeof *e->child_parents);
            }
            e->child_pids[e->child_count] = a;
            e->child_parents[e->child_count++] = b;
        }
    }
    e->children = e->child_count;
    free_lines(lines);
    buf_free(&text);
}

bool expect_workers(const struct events *e, bool threads, int workers, const char *run,
                    struct verdict *v)
{
    bool ok = threads ? e->threads_started == workers && e->joins == workers && e->forks == 0
                      : e->forks == workers && e->reaps == workers;
    if (!ok) {
        char *expected = xasprintf("%s: %d %s, each %s", run, workers,
                                   threads ? "threads" : "child processes",
                                   threads ? "joined" : "reaped");
        verdict_failf(v, expected, "%d threads started, %d joined, %d processes forked, %d reaped",
                      e->threads_started, e->joins, e->forks, e->reaps);
        free(expected);
    }
    return ok;
}

void events_free(struct events *e)
{
    free(e->child_pids);
    free(e->child_parents);
    *e = (struct events){0};
}

/* ---- comparing output ---- */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_copy(char **lines, size_t *n)
{
    size_t count = 0;
    while (lines[count])
        count++;
    char **copy = xcalloc(count + 1, sizeof *copy);
    memcpy(copy, lines, count * sizeof *copy);
    qsort(copy, count, sizeof *copy, compare_strings);
    *n = count;
    return copy;
}

bool same_lines_any_order(char **expected, char **found, const char *what, struct verdict *v)
{
    size_t ne, nf;
    char **e = sorted_copy(expected, &ne), **f = sorted_copy(found, &nf);
    struct buf missing = {0}, extra = {0};
    int n_missing = 0, n_extra = 0;
    size_t i = 0, j = 0;
    while (i < ne || j < nf) {
        int c = i == ne ? 1 : j == nf ? -1 : strcmp(e[i], f[j]);
        if (c == 0) {
            i++, j++;
        } else if (c < 0) {
            if (n_missing++ < 3)
                buf_printf(&missing, "\n  missing:    '%s'", e[i]);
            i++;
        } else {
            if (n_extra++ < 3) {
                char *s = shorten(f[j], strlen(f[j]), 120);
                buf_printf(&extra, "\n  unexpected: '%s'", s);
                free(s);
            }
            j++;
        }
    }
    free(e);
    free(f);
    if (n_missing == 0 && n_extra == 0)
        return true;
    char *expected_text = xasprintf("%zu %s (any order)", ne, what);
    verdict_failf(v, expected_text, "%zu lines, %d missing, %d unexpected:%s%s", nf, n_missing,
          n_extra, missing.data ? missing.data : "", extra.data ? extra.data : "");
    free(expected_text);
    buf_free(&missing);
    buf_free(&extra);
    return false;
}

/* ---- generic kinds ---- */

static void check_warnings(struct grading *g, const struct test *t, struct verdict *v)
{
    if (!g->student->warnings) {
        verdict_pass(v, t);
        return;
    }
    char *first = shorten(g->student->diagnostics, strlen(g->student->diagnostics), 600);
    verdict_fail(v, "no warnings with -Wall -Wextra", first);
    free(first);
}

static void check_usage(struct grading *g, const struct test *t, struct verdict *v)
{
    json_t *cases = json_object_get(t->params, "cases");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        char **args = args_from_json(g, c);
        char *shown = args_text(args);
        struct run_result r;
        run_program(g, STUDENT, t, args, NULL, &r);
        args_free(args);
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%s: ", g->chapter->program);
        bool ok = r.started && r.exited && r.exit_code == 2 && r.out.len == 0 &&
                  strncmp(r.err.data, prefix, strlen(prefix)) == 0;
        if (!ok) {
            char *why = describe_ending(&r, &t->limits);
            char *out = shorten(r.out.data, r.out.len, 120);
            char *err = shorten(r.err.data, r.err.len, 200);
            char *expected = xasprintf("'%s %s': exit status 2, nothing on stdout, and on "
                                       "stderr a line starting '%s'",
                                       g->chapter->program, shown, prefix);
            verdict_failf(v, expected, "%s, stdout '%s', stderr '%s'", why, out, err);
            free(why), free(out), free(err), free(expected);
        }
        run_result_free(&r);
        free(shown);
        if (!ok)
            return;
    }
    verdict_pass(v, t);
}

static void check_reaped(struct grading *g, const struct test *t, struct verdict *v)
{
    int runs = (int)param_int(t, "runs", 3);
    for (int i = 0; i < runs; i++) {
        char **args = args_from_json(g, json_object_get(t->params, "args"));
        struct run_result r;
        run_program(g, STUDENT, t, args, NULL, &r);
        char *shown = args_text(args);
        args_free(args);
        bool bad = !run_failed(&r, t, v) && r.strays > 0;
        if (bad) {
            char *expected = xasprintf("'%s %s' waits for every process it starts",
                                       g->chapter->program, shown);
            verdict_failf(v, expected, "%d process%s still running or never reaped when it exited",
                  r.strays, r.strays == 1 ? " was" : "es were");
            free(expected);
        }
        free(shown);
        run_result_free(&r);
        if (v->status == FAIL)
            return;
    }
    verdict_pass(v, t);
}

extern const struct check_entry tool_checks[], speedup_checks[], ch01_checks[], ch02_checks[], ch03_checks[],
    ch04_checks[], ch05_checks[], ch06_checks[], ch07_checks[], ch08_checks[];

static const struct check_entry generic_checks[] = {
    {"warnings", check_warnings}, {"usage", check_usage}, {"reaped", check_reaped}, {NULL, NULL},
};

static const struct check_entry *const all_checks[] = {
    generic_checks, tool_checks, speedup_checks, ch01_checks, ch02_checks, ch03_checks, ch04_checks,
    ch05_checks,    ch06_checks,    ch07_checks, ch08_checks, NULL,
};

check_fn *find_check(const char *kind)
{
    for (int i = 0; all_checks[i]; i++)
        for (const struct check_entry *e = all_checks[i]; e->kind; e++)
            if (strcmp(e->kind, kind) == 0)
                return e->run;
    return NULL;
}

void validate_kinds(const struct table *t)
{
    for (size_t i = 0; i < t->count; i++)
        for (size_t j = 0; j < t->chapters[i].test_count; j++) {
            const struct test *test = &t->chapters[i].tests[j];
            if (!find_check(test->kind))
                fatal("chapter table: %s: test '%s': unknown kind '%s'", t->chapters[i].dir,
                      test->id, test->kind);
            if (strcmp(test->kind, "race") == 0) {
                const char *tool = json_string_value(json_object_get(test->params, "tool"));
                if (!tool || (strcmp(tool, "helgrind") && strcmp(tool, "drd") && strcmp(tool, "tsan")))
                    fatal("chapter table: %s: test '%s': 'tool' must be helgrind, drd or tsan",
                          t->chapters[i].dir, test->id);
            }
        }
}
