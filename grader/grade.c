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

#include "batch.h"
#include "build.h"
#include "grading.h"
#include "checks.h"
#include "report.h"
#include "session.h"
#include "speedup.h"
#include "table.h"

static const char usage[] =
    "usage: grade [-c CHAPTER]... [--json FILE] [--reference DIR] [--seed N]\n"
    "             [--no-race] [--no-speedup] [--runs N] [--reference-numbers FILE]\n"
    "             [SUBMISSION_DIR]\n"
    "       grade --batch DIR --csv FILE [--json-dir OUT] [-j N] [--student ID]...\n"
    "             [-c CHAPTER]... [other options as above]\n"
    "       grade --list [--markdown]\n"
    "       grade --hint CHAPTER\n"
    "SUBMISSION_DIR holds NN-slug/PROG.c for each chapter (default: chapters).\n";

static const char *json_path;
static char *temp_root;

static _Noreturn void usage_error(const char *fmt, const char *arg);

static void on_fatal(const char *message)
{
    if (json_path)
        report_json_failure(json_path, xasprintf("grader internal error: %s", message));
    remove_tree(temp_root);
}

static void on_signal(int sig)
{
    grading_interrupted = sig;
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
    struct batch_options batch = {.jobs = 1};
    const char *reference_numbers = NULL;
    const char *chapters[100];
    int n_chapters = 0;
    bool list = false, markdown = false, seeded = false;
    const char *hint_for = NULL;
    unsigned long long seed = 0;
    enum { OPT_JSON = 256, OPT_REF, OPT_SEED, OPT_NO_RACE, OPT_NO_SPEEDUP, OPT_RUNS, OPT_LIST,
           OPT_MD, OPT_HINT, OPT_BATCH, OPT_CSV, OPT_JSON_DIR, OPT_REF_NUMBERS, OPT_STUDENT };
    static const struct option longs[] = {
        {"chapter", required_argument, NULL, 'c'},  {"json", required_argument, NULL, OPT_JSON},
        {"reference", required_argument, NULL, OPT_REF}, {"seed", required_argument, NULL, OPT_SEED},
        {"no-race", no_argument, NULL, OPT_NO_RACE}, {"no-speedup", no_argument, NULL, OPT_NO_SPEEDUP},
        {"runs", required_argument, NULL, OPT_RUNS}, {"list", no_argument, NULL, OPT_LIST},
        {"markdown", no_argument, NULL, OPT_MD},     {"help", no_argument, NULL, 'h'},
        {"hint", required_argument, NULL, OPT_HINT}, {"batch", required_argument, NULL, OPT_BATCH},
        {"csv", required_argument, NULL, OPT_CSV},   {"json-dir", required_argument, NULL, OPT_JSON_DIR},
        {"reference-numbers", required_argument, NULL, OPT_REF_NUMBERS},
        {"student", required_argument, NULL, OPT_STUDENT}, {"jobs", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":c:hj:", longs, NULL)) != -1) {
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
        case OPT_BATCH: batch.dir = optarg; break;
        case OPT_CSV: batch.csv = optarg; break;
        case OPT_JSON_DIR: batch.json_dir = optarg; break;
        case OPT_REF_NUMBERS: reference_numbers = optarg; break;
        case OPT_STUDENT:
            if (batch.student_count == 100)
                usage_error("too many --student options%s", "");
            batch.students[batch.student_count++] = optarg;
            break;
        case 'j':
            batch.jobs = (int)strtol(optarg, &end, 10);
            if (end == optarg || *end || batch.jobs < 1 || batch.jobs > 64)
                usage_error("-j: '%s' is not a whole number 1..64", optarg);
            break;
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
    char *table_path;
    struct table *table = session_load_table(root, &table_path);
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
    const char *submission = optind < argc ? argv[optind] : "chapters";
    struct stat st;
    if (!batch.dir && (stat(submission, &st) < 0 || !S_ISDIR(st.st_mode)))
        usage_error("submission '%s' is not a directory", submission);
    if (batch.dir && (!batch.csv || optind < argc))
        usage_error("--batch DIR needs --csv FILE and no SUBMISSION_DIR%s", "");
    if (!batch.dir && (batch.csv || batch.json_dir || batch.student_count))
        usage_error("--csv, --json-dir and --student go with --batch%s", "");
    char *default_ref = xasprintf("%s/solutions", root);
    if (!s.reference_dir)
        s.reference_dir = default_ref;
    char *probe = session_probe_path(root);

    const struct chapter **todo = xcalloc(table->count, sizeof *todo);
    size_t n_todo = 0;
    for (int k = 0; k < n_chapters; k++)
        if (!table_find(table, chapters[k]))
            usage_error("no chapter '%s' (grade --list shows them)", chapters[k]);
    for (size_t i = 0; i < table->count; i++) {
        bool wanted = n_chapters == 0;
        for (int k = 0; k < n_chapters; k++)
            wanted |= table_find(table, chapters[k]) == &table->chapters[i];
        if (wanted)
            todo[n_todo++] = &table->chapters[i];
    }
    s.chapters = todo;
    s.chapter_count = n_todo;
    if (!seeded)
        seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 16);
    s.seed = seed;
    s.rng.state = seed;
    bool had_numbers = reference_numbers && !batch.dir &&
                       speedup_load_reference_numbers(reference_numbers);
    sandbox_init();
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    s.temp_root = temp_root = make_temp_dir("grade");
    session_private_copies(&s, root, probe);

    int status;
    if (batch.dir) {
        batch.reference_numbers = reference_numbers;
        status = run_batch(&s, &batch);
    } else {
        struct report report;
        grade_submission(&s, submission, &report);
        report_text(stdout, &report, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
        fflush(stdout);
        if (json_path && !report_json(json_path, &report))
            fatal("could not write %s", json_path);
        status = report_passed(&report) ? 0 : 1;
        if (reference_numbers && !had_numbers && !speedup_save_reference_numbers(reference_numbers))
            fatal("writing %s: %s", reference_numbers, strerror(errno));
        report_free(&report);
    }
    set_fatal_hook(NULL);
    remove_tree(temp_root);
    free(temp_root);
    free(todo);
    free(probe);
    free(default_ref), free(s.probe_lib), free(table_path), free(root);
    table_free(table);
    if (grading_interrupted) {
        fprintf(stderr, "grade: interrupted\n");
        return 128 + grading_interrupted;
    }
    return status;
}
