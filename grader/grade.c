/* grade - the pcw grader: build each chapter's file with the official header, run it in a
 * sandbox, check it against the chapter table, report in text and as results.json.
 * Exit status: 0 every test passed (or was skipped), 1 some failed, 2 usage or internal. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "checks.h"
#include "report.h"
#include "table.h"

static const char usage[] =
    "usage: grade [-c CHAPTER]... [--json FILE] [--reference DIR] [--seed N]\n"
    "             [--no-race] [--no-speedup] [--runs N] [SUBMISSION_DIR]\n"
    "       grade --list [--markdown]\n"
    "       grade --hint CHAPTER\n"
    "SUBMISSION_DIR holds NN-slug/PROG.c for each chapter (default: chapters).\n";

static const char *json_path;
static char *temp_root;

static _Noreturn void usage_error(const char *fmt, const char *arg);
static volatile sig_atomic_t interrupted;

static void on_fatal(const char *message)
{
    if (json_path)
        report_json_failure(json_path, xasprintf("grader internal error: %s", message));
    remove_tree(temp_root);
}

static void on_signal(int sig)
{
    interrupted = sig;
    sandbox_kill_current();
}

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
    char message[512];
    snprintf(message, sizeof message, fmt, arg);
    fprintf(stderr, "grade: %s\n%s", message, usage);
    if (json_path)
        report_json_failure(json_path, xasprintf("grade: %s", message));
    exit(EXIT_USAGE);
}

/* The workbook's root: $PCW_ROOT, or the folder above the one holding this program. */
static char *find_root(void)
{
    const char *env = getenv("PCW_ROOT");
    if (env && *env)
        return xstrdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        fatal("readlink /proc/self/exe: %s", strerror(errno));
    exe[n] = '\0';
    return xstrdup(dirname(dirname(exe)));
}

struct session {
    const char *root;
    const char *reference_dir;
    const char *submission;
    char *probe_lib;
    struct grading_options options;
    struct rng rng;
};

static char *trimmed_diagnostics(const char *text, const char *from, const char *to)
{
    struct buf b = {0};
    buf_add(&b, "", 0);
    int lines = 0;
    size_t from_len = strlen(from);
    for (const char *p = text; *p && lines < 15;) {
        if (strncmp(p, from, from_len) == 0) {
            buf_add(&b, to, strlen(to));
            p += from_len;
            continue;
        }
        if (*p == '\n')
            lines++;
        buf_add(&b, p++, 1);
    }
    char *out = shorten(b.data, b.len, 1500);
    buf_free(&b);
    return out;
}

static bool requirements_met(const struct chapter_result *cr, size_t upto, const struct test *t,
                             struct verdict *v)
{
    for (const char **id = t->requires; *id; id++)
        for (size_t i = 0; i < upto; i++)
            if (strcmp(cr->tests[i].test->id, *id) == 0 && cr->tests[i].verdict.status == FAIL) {
                verdict_fail(v, NULL, NULL);
                v->blocked_by = cr->tests[i].test->name;
                return false;
            }
    return true;
}

static void build_reference(struct session *s, const struct chapter *c, struct build *ref,
                            char **ref_dir, char **ref_source)
{
    *ref_dir = xasprintf("%s/reference-%s", temp_root, c->dir);
    *ref_source = xasprintf("%s/%s/%s.c", s->reference_dir, c->dir, c->program);
    if (mkdir(*ref_dir, 0711) < 0 && errno != EEXIST)
        fatal("mkdir %s: %s", *ref_dir, strerror(errno));
    build_program(c, *ref_source, *ref_dir, BUILD_PLAIN, ref);
    if (!ref->ok)
        fatal("the reference for %s does not build (%s): %s\n%s", c->dir, *ref_source,
              ref->problem, ref->diagnostics ? ref->diagnostics : "");
}

static void grade_chapter(struct session *s, const struct chapter *c, struct chapter_result *cr)
{
    *cr = (struct chapter_result){.chapter = c};
    cr->count = c->test_count;
    cr->tests = xcalloc(c->test_count, sizeof *cr->tests);
    char *source = xasprintf("%s/%s/%s.c", s->submission, c->dir, c->program);
    cr->source = source;
    char *work = xasprintf("%s/%s", temp_root, c->dir);
    char *run_dir = xasprintf("%s/run", work);
    if (mkdir(work, 0711) < 0)
        fatal("mkdir %s: %s", work, strerror(errno));

    struct build student, reference;
    char *ref_dir, *ref_source;
    build_reference(s, c, &reference, &ref_dir, &ref_source);
    build_program(c, source, work, BUILD_PLAIN, &student);
    if (!student.ok) {
        cr->problem = xstrdup(student.problem);
        char *copied = xasprintf("%s/%s.c", work, c->program);
        if (student.diagnostics && *student.diagnostics)
            cr->diagnostics = trimmed_diagnostics(student.diagnostics, copied, source);
        free(copied);
    }
    struct grading g = {.chapter = c, .student = &student, .reference = &reference,
                        .source = source, .work_dir = work, .reference_source = ref_source,
                        .reference_dir = ref_dir, .run_dir = run_dir,
                        .probe_lib = s->probe_lib, .rng = &s->rng, .options = &s->options};
    for (size_t i = 0; i < c->test_count; i++) {
        const struct test *t = &c->tests[i];
        struct verdict *v = &cr->tests[i].verdict;
        cr->tests[i].test = t;
        if (interrupted) {
            verdict_skip(v, "grading was interrupted");
        } else if (!student.ok) {
            verdict_fail(v, NULL, NULL);
        } else if (requirements_met(cr, i, t, v)) {
            find_check(t->kind)(&g, t, v);
        }
        if (v->status == SKIP)
            cr->skipped_points += t->points;
        else
            cr->max_score += t->points;
        cr->score += v->score;
    }
    build_free(&student);
    build_free(&reference);
    build_free(&g.tsan);
    build_free(&g.reference_tsan);
    remove_tree(work);
    remove_tree(ref_dir);
    free(work), free(run_dir), free(ref_dir), free(ref_source);
}

static void print_list(const struct table *t, bool markdown)
{
    if (markdown)
        printf("| # | chapter | program | what it teaches | points |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < t->count; i++) {
        const struct chapter *c = &t->chapters[i];
        if (markdown)
            printf("| %02d | [%s](chapters/%s/README.md) | `%s` | %s | %d |\n", c->number,
                   c->title, c->dir, c->program, c->idea, c->max_points);
        else
            printf("%02d  %-22s %-12s %3d points  %s\n", c->number, c->slug, c->program,
                   c->max_points, c->title);
    }
}

int main(int argc, char **argv)
{
    struct session s = {.options = {.race = true, .speedup = true}};
    const char *chapters[100];
    int n_chapters = 0;
    bool list = false, markdown = false, seeded = false;
    const char *hint_for = NULL;
    unsigned long long seed = 0;
    enum { OPT_JSON = 256, OPT_REF, OPT_SEED, OPT_NO_RACE, OPT_NO_SPEEDUP, OPT_RUNS, OPT_LIST,
           OPT_MD, OPT_HINT };
    static const struct option longs[] = {
        {"chapter", required_argument, NULL, 'c'},  {"json", required_argument, NULL, OPT_JSON},
        {"reference", required_argument, NULL, OPT_REF}, {"seed", required_argument, NULL, OPT_SEED},
        {"no-race", no_argument, NULL, OPT_NO_RACE}, {"no-speedup", no_argument, NULL, OPT_NO_SPEEDUP},
        {"runs", required_argument, NULL, OPT_RUNS}, {"list", no_argument, NULL, OPT_LIST},
        {"markdown", no_argument, NULL, OPT_MD},     {"help", no_argument, NULL, 'h'},
        {"hint", required_argument, NULL, OPT_HINT},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":c:h", longs, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'c':
            if (n_chapters == 100)
                usage_error("too many -c options%s", "");
            chapters[n_chapters++] = optarg;
            break;
        case OPT_JSON: json_path = optarg; break;
        case OPT_REF: s.reference_dir = optarg; break;
        case OPT_SEED:
            errno = 0;
            seed = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-')
                usage_error("--seed: '%s' is not a whole number", optarg);
            seeded = true;
            break;
        case OPT_NO_RACE: s.options.race = false; break;
        case OPT_NO_SPEEDUP: s.options.speedup = false; break;
        case OPT_RUNS:
            s.options.speedup_runs = (int)strtol(optarg, &end, 10);
            if (end == optarg || *end || s.options.speedup_runs < 1 || s.options.speedup_runs > 50)
                usage_error("--runs: '%s' is not a whole number 1..50", optarg);
            break;
        case OPT_LIST: list = true; break;
        case OPT_MD: markdown = true; break;
        case OPT_HINT: hint_for = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        case ':': usage_error("option %s needs a value", argv[optind - 1]);
        default: usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        usage_error("more than one SUBMISSION_DIR ('%s')", argv[optind + 1]);
    set_fatal_hook(on_fatal);
    if (json_path)
        report_json_failure(json_path, "grading did not finish");

    char *root = find_root();
    s.root = root;
    char *table_path = xasprintf("%s/chapters/chapters.json", root);
    struct table *table = table_load(table_path);
    validate_kinds(table);
    if (list) {
        print_list(table, markdown);
        table_free(table);
        return 0;
    }
    if (hint_for) {
        const struct chapter *c = table_find(table, hint_for);
        if (!c)
            usage_error("no chapter '%s' (grade --list shows them)", hint_for);
        printf("hints for %s, %s:\n", c->dir, c->title);
        for (int i = 0; c->hints[i]; i++)
            printf("%d. %s\n", i + 1, c->hints[i]);
        table_free(table);
        return 0;
    }
    s.submission = optind < argc ? argv[optind] : "chapters";
    struct stat st;
    if (stat(s.submission, &st) < 0 || !S_ISDIR(st.st_mode))
        usage_error("submission '%s' is not a directory", s.submission);
    char *default_ref = xasprintf("%s/solutions", root);
    if (!s.reference_dir)
        s.reference_dir = default_ref;
    char *include = xasprintf("%s/grader/include", root);
    build_init(include);
    s.probe_lib = xasprintf("%s/grader/probe.so", root);
    if (access(s.probe_lib, R_OK) != 0)
        fatal("%s is missing: run make first", s.probe_lib);

    const struct chapter **todo = xcalloc(table->count, sizeof *todo);
    size_t n_todo = 0;
    for (size_t i = 0; i < table->count; i++) {
        bool wanted = n_chapters == 0;
        for (int k = 0; k < n_chapters; k++)
            wanted |= table_find(table, chapters[k]) == &table->chapters[i];
        if (wanted)
            todo[n_todo++] = &table->chapters[i];
    }
    for (int k = 0; k < n_chapters; k++)
        if (!table_find(table, chapters[k]))
            usage_error("no chapter '%s' (grade --list shows them)", chapters[k]);

    if (!seeded)
        seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 16);
    s.rng.state = seed;
    sandbox_init();
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    temp_root = make_temp_dir("grade");

    double start = monotonic_seconds();
    struct report report = {.submission = s.submission, .seed = seed, .count = n_todo};
    report.chapters = xcalloc(n_todo, sizeof *report.chapters);
    for (size_t i = 0; i < n_todo; i++)
        grade_chapter(&s, todo[i], &report.chapters[i]);
    report.seconds = monotonic_seconds() - start;

    report_text(stdout, &report, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    fflush(stdout);
    if (json_path && !report_json(json_path, &report))
        fatal("could not write %s", json_path);
    bool all_passed = !interrupted;
    for (size_t i = 0; i < n_todo; i++) {
        all_passed &= chapter_passed(&report.chapters[i]);
        struct chapter_result *cr = &report.chapters[i];
        for (size_t j = 0; j < cr->count; j++)
            verdict_free(&cr->tests[j].verdict);
        free(cr->tests);
        free(cr->problem);
        free(cr->diagnostics);
        free((char *)cr->source);
    }
    set_fatal_hook(NULL);
    remove_tree(temp_root);
    free(temp_root);
    free(report.chapters);
    free(todo);
    free(include), free(default_ref), free(s.probe_lib), free(table_path), free(root);
    table_free(table);
    if (interrupted) {
        fprintf(stderr, "grade: interrupted\n");
        return 128 + interrupted;
    }
    return all_passed ? 0 : 1;
}
