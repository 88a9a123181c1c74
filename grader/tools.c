/* tools.c - the untimed passes that run a program under a tool: race detectors
 * (helgrind, DRD, or a ThreadSanitizer build) and memcheck for leaks and descriptors. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks.h"

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
        char *built = xasprintf("%s/%s-tsan", g->reference_dir, g->chapter->program);
        if (access(built, X_OK) == 0)
            g->reference_tsan = (struct build){.ok = true, .binary = built, .diagnostics = xstrdup("")};
        else
            free(built), build_program(g->chapter, g->reference_source, g->reference_dir, BUILD_TSAN,
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

const struct check_entry tool_checks[] = {
    {"race", check_race},
    {"memcheck", check_memcheck},
    {NULL, NULL},
};
