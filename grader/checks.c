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

/* Runs a tool (valgrind, or the tsan build) and reads its report. */
struct tool_run {
    int errors;         /* -1: the tool's summary was not found */
    int open_fds;       /* memcheck --track-fds: descriptors open at exit, -1 unknown */
    char *excerpt;      /* the first report, for the student */
};

static char *first_report(const char *log, const char *marker)
{
    const char *start = strstr(log, marker);
    if (!start)
        return NULL;
    const char *line = start;
    while (line > log && line[-1] != '\n')
        line--;
    return shorten(line, strlen(line), 700);
}

/* Descriptors the program itself opened and left open: valgrind lists each "Open ..."
 * with where it was opened, or "<inherited from parent>" for ours (its log, stdio). */
static int leaked_fds(const char *report)
{
    int leaked = 0;
    for (const char *p = report; (p = strstr(p, "Open ")); p++) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            break;
        int fd = -1;
        sscanf(p, "Open file descriptor %d", &fd);
        const char *next = strchr(eol + 1, '\n');
        bool inherited = next && memmem(eol, (size_t)(next - eol), "<inherited", 10);
        if (!inherited && (fd < 0 || fd > 2))
            leaked++;
    }
    return leaked;
}

static void run_valgrind(struct grading *g, const struct test *t, enum who who, const char *tool,
                         char **args, struct tool_run *out)
{
    *out = (struct tool_run){.errors = -1, .open_fds = -1};
    char *valgrind = find_program("valgrind");
    if (!valgrind)
        fatal("valgrind is not installed (make deps installs it)");
    prepare_run_dir(g->run_dir);
    char *log = xasprintf("%s/.pcw-valgrind.log", g->run_dir);
    char *log_arg = xasprintf("--log-file=%s", log);
    char *tool_arg = xasprintf("--tool=%s", tool);
    const char *fixed_memcheck[] = {"--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                                    "--show-leak-kinds=definite,indirect", "--track-fds=yes", NULL};
    char *argv_prefix[16];
    int n = 0;
    argv_prefix[n++] = valgrind;
    argv_prefix[n++] = tool_arg;
    argv_prefix[n++] = log_arg;
    argv_prefix[n++] = "--child-silent-after-fork=yes";
    argv_prefix[n++] = "--num-callers=12";
    if (strcmp(tool, "memcheck") == 0)
        for (int i = 0; fixed_memcheck[i]; i++)
            argv_prefix[n++] = (char *)fixed_memcheck[i];
    const struct build *b = who == STUDENT ? g->student : g->reference;
    argv_prefix[n++] = b->binary;
    size_t nargs = 0;
    while (args[nargs])
        nargs++;
    char **argv = xcalloc((size_t)n + nargs + 1, sizeof *argv);
    memcpy(argv, argv_prefix, (size_t)n * sizeof *argv);
    memcpy(argv + n, args, nargs * sizeof *argv);
    struct limits limits = t->limits;
    limits.wall_s = param_real(t, "tool_wall_s", 120);
    limits.cpu_s = limits.wall_s * 2;
    limits.mem_mb = 0; /* valgrind reserves far more address space than it uses */
    struct run_spec spec = {.argv = argv, .dir = g->run_dir, .limits = limits};
    struct run_result r;
    run_sandboxed(&spec, &r);
    struct buf text = {0};
    read_file(log, &text, 8 << 20);
    const char *report = text.data ? text.data : "";
    const char *summary = strstr(report, "ERROR SUMMARY:");
    if (summary && !r.timed_out)
        sscanf(summary, "ERROR SUMMARY: %d", &out->errors);
    if (strstr(report, "FILE DESCRIPTORS:"))
        out->open_fds = leaked_fds(report);
    if (out->errors > 0) {
        static const char *markers[] = {"Possible data race", "Lock at", "definitely lost",
                                        "Invalid ", "uninitialised", "Conditional jump",
                                        "Thread #", "==", NULL};
        for (int i = 0; markers[i] && !out->excerpt; i++)
            out->excerpt = first_report(report, markers[i]);
    }
    if (r.timed_out)
        out->excerpt = xasprintf("valgrind run timed out after %.0f s", limits.wall_s);
    run_result_free(&r);
    buf_free(&text);
    free(argv), free(log), free(log_arg), free(tool_arg), free(valgrind);
}

/* The ThreadSanitizer build of who's program, made on first use; NULL when it fails. */
static const char *tsan_binary(struct grading *g, enum who who)
{
    if (who == STUDENT) {
        if (!g->tsan_tried) {
            g->tsan_tried = true;
            build_program(g->chapter, g->source, g->work_dir, BUILD_TSAN, &g->tsan);
        }
        return g->tsan.ok ? g->tsan.binary : NULL;
    }
    /* The reference's is kept beside its plain build for the whole grading run. */
    if (!g->reference_tsan_tried) {
        g->reference_tsan_tried = true;
        build_program(g->chapter, g->reference_source, g->reference_dir, BUILD_TSAN,
                      &g->reference_tsan);
    }
    return g->reference_tsan.ok ? g->reference_tsan.binary : NULL;
}

static void run_tsan(struct grading *g, const struct test *t, const char *binary, char **args,
                     struct tool_run *out)
{
    *out = (struct tool_run){.errors = -1, .open_fds = -1};
    size_t nargs = 0;
    while (args[nargs])
        nargs++;
    char **argv = xcalloc(nargs + 2, sizeof *argv);
    argv[0] = (char *)binary;
    memcpy(argv + 1, args, nargs * sizeof *argv);
    char *env[] = {"TSAN_OPTIONS=halt_on_error=0 report_signal_unsafe=0 exitcode=66", NULL};
    struct limits limits = t->limits;
    limits.wall_s = param_real(t, "tool_wall_s", 120);
    limits.cpu_s = limits.wall_s * 2;
    limits.mem_mb = 0;
    prepare_run_dir(g->run_dir);
    struct run_spec spec = {.argv = argv, .env = env, .dir = g->run_dir, .limits = limits};
    struct run_result r;
    run_sandboxed(&spec, &r);
    int races = 0;
    for (const char *p = r.err.data; (p = strstr(p, "WARNING: ThreadSanitizer:")); p++)
        races++;
    if (strstr(r.err.data, "FATAL: ThreadSanitizer") || r.timed_out)
        out->errors = -1;
    else
        out->errors = races;
    if (races)
        out->excerpt = first_report(r.err.data, "WARNING: ThreadSanitizer:");
    else if (out->errors < 0)
        out->excerpt = shorten(r.err.data, r.err.len, 300);
    run_result_free(&r);
    free(argv);
}

/* One race-detector run of who's program. */
static void race_run(struct grading *g, const struct test *t, enum who who, char **args,
                     struct tool_run *out)
{
    const char *tool = json_string_value(json_object_get(t->params, "tool"));
    if (strcmp(tool, "tsan") != 0) {
        run_valgrind(g, t, who, tool, args, out);
        return;
    }
    const char *binary = tsan_binary(g, who);
    if (!binary) {
        *out = (struct tool_run){.errors = -2, .open_fds = -1};
        return;
    }
    run_tsan(g, t, binary, args, out);
}

static void check_race(struct grading *g, const struct test *t, struct verdict *v)
{
    if (!g->options->race) {
        verdict_skip(v, "race pass turned off (--no-race)");
        return;
    }
    const char *tool = json_string_value(json_object_get(t->params, "tool"));
    json_t *control = json_object_get(t->params, "control");
    struct tool_run tr;
    if (control) {
        /* The detector must flag the reference's deliberately racy mode, or it proves nothing. */
        char **args = args_from_json(g, control);
        race_run(g, t, REFERENCE, args, &tr);
        args_free(args);
        free(tr.excerpt);
        if (tr.errors == -2)
            fatal("%s: the reference does not build with ThreadSanitizer: %s", g->chapter->dir,
                  g->reference_tsan.diagnostics ? g->reference_tsan.diagnostics : "?");
        if (tr.errors <= 0) {
            verdict_skip(v, "%s did not flag the reference's racy mode on this machine, so its "
                    "silence would prove nothing", tool);
            return;
        }
        add_note(v, "%s works here: it flags the reference's racy mode (%d reports)", tool,
                 tr.errors);
    }
    char **args = args_from_json(g, json_object_get(t->params, "args"));
    char *shown = args_text(args);
    race_run(g, t, STUDENT, args, &tr);
    args_free(args);
    char *expected = xasprintf("no data race reported by %s for '%s %s'", tool,
                               g->chapter->program, shown);
    if (tr.errors == -2)
        verdict_failf(v, expected, "the ThreadSanitizer build failed: %s\n%s", g->tsan.problem,
              g->tsan.diagnostics ? g->tsan.diagnostics : "");
    else if (tr.errors < 0)
        verdict_failf(v, expected, "%s", tr.excerpt ? tr.excerpt : "the tool did not finish");
    else if (tr.errors > 0)
        verdict_failf(v, expected, "%d report%s, the first:\n%s", tr.errors, tr.errors == 1 ? "" : "s",
              tr.excerpt ? tr.excerpt : "");
    else
        verdict_pass(v, t);
    free(expected), free(shown), free(tr.excerpt);
}

static void check_memcheck(struct grading *g, const struct test *t, struct verdict *v)
{
    if (!g->options->race) {
        verdict_skip(v, "memory pass turned off (--no-race)");
        return;
    }
    char **args = args_from_json(g, json_object_get(t->params, "args"));
    char *shown = args_text(args);
    struct tool_run tr;
    run_valgrind(g, t, STUDENT, "memcheck", args, &tr);
    args_free(args);
    char *expected = xasprintf("memcheck: no leaks, no memory errors, only stdin, stdout and "
                               "stderr open at exit, for '%s %s'", g->chapter->program, shown);
    if (tr.errors < 0)
        verdict_failf(v, expected, "%s", tr.excerpt ? tr.excerpt : "memcheck did not finish");
    else if (tr.errors > 0)
        verdict_failf(v, expected, "%d error%s, the first:\n%s", tr.errors, tr.errors == 1 ? "" : "s",
              tr.excerpt ? tr.excerpt : "");
    else if (tr.open_fds > 0)
        verdict_failf(v, expected, "%d file descriptor%s left open at exit: close the ends of pipes "
              "and files you no longer need", tr.open_fds, tr.open_fds == 1 ? "" : "s");
    else
        verdict_pass(v, t);
    free(expected), free(shown), free(tr.excerpt);
}

extern const struct check_entry speedup_checks[], ch01_checks[], ch02_checks[], ch03_checks[],
    ch04_checks[], ch05_checks[], ch06_checks[], ch07_checks[], ch08_checks[];

static const struct check_entry generic_checks[] = {
    {"warnings", check_warnings}, {"usage", check_usage},       {"reaped", check_reaped},
    {"race", check_race},         {"memcheck", check_memcheck}, {NULL, NULL},
};

static const struct check_entry *const all_checks[] = {
    generic_checks, speedup_checks, ch01_checks, ch02_checks, ch03_checks, ch04_checks,
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
