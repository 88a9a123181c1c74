/* workbook - the student's runner: grades the chapters in order and stops at the first that
 * is not done, lists progress, shows hints one at a time, runs a program, re-checks on every
 * save. Everything about a chapter comes from the chapter table; progress is kept in
 * .pcw-progress.json at the workbook's root. Exit status: 0 done or fine, 1 a chapter is not
 * done (or the program run failed), 2 bad usage or an internal error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "checks.h"
#include "grading.h"
#include "progress.h"
#include "report.h"
#include "session.h"
#include "table.h"

static const char help[] =
    "usage: workbook [COMMAND]      (run from anywhere; paths are the workbook's)\n"
    "  next [--fast] [--recheck]  grade chapters in order, stop at the first not done\n"
    "  list                       every chapter: status, score, hints seen\n"
    "  hint [N] [--all]           the chapter's hints, one more each time\n"
    "  run N [ARGS...]            build chapter N with the grader's flags and run it\n"
    "  skip N | unskip N          leave a chapter for later, come back to it\n"
    "  watch [N] [--fast]         re-check the current chapter on every save (Ctrl-C exits)\n"
    "--fast leaves out the slow passes (race, memory, speedup). With no command: next.\n";

struct style {
    const char *pass, *fail, *skip, *bold, *dim, *off;
};

static struct {
    char *root, *table_path, *probe;
    struct table *table;
    struct style st;
    bool colour;
    bool session_ready;
    struct session s;
} wb;

static volatile sig_atomic_t stop_signal;
static bool watching;
static struct termios saved_termios;
static bool termios_changed;

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "workbook: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (workbook help lists the commands)\n");
    exit(EXIT_USAGE);
}

static void restore_terminal(void)
{
    if (termios_changed) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
        termios_changed = false;
    }
}

static void stopped_line(void)
{
    if (watching) {
        if (wb.colour)
            fputs("\033[0m", stdout);
        printf("\nwatch: stopped%s; progress is in .pcw-progress.json\n",
               stop_signal == SIGINT ? " (Ctrl-C)" : "");
    } else {
        printf("\nworkbook: interrupted\n");
    }
    fflush(stdout);
}

static void on_fatal(const char *message)
{
    (void)message;
    restore_terminal();
    if (wb.s.temp_root)
        remove_tree(wb.s.temp_root);
    if (stop_signal) {
        /* A build or run killed by the interrupt is no error of the grader's. */
        stopped_line();
        _exit(watching ? 0 : 128 + stop_signal);
    }
}

static void on_signal(int sig)
{
    stop_signal = sig;
    grading_interrupted = sig;
    sandbox_kill_current();
    /* What the killed build or run makes the grading say is not worth showing now. */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDERR_FILENO);
        close(null);
    }
}

/* ---- grading ---- */

static void session_start(void)
{
    if (wb.session_ready)
        return;
    wb.probe = session_probe_path(wb.root);
    wb.s.reference_dir = "solutions";
    wb.s.seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 16);
    wb.s.rng.state = wb.s.seed;
    sandbox_init();
    wb.s.temp_root = make_temp_dir("workbook");
    session_private_copies(&wb.s, wb.root, wb.probe);
    wb.session_ready = true;
}

static void session_end(void)
{
    if (!wb.session_ready)
        return;
    remove_tree(wb.s.temp_root);
    free(wb.s.temp_root), free(wb.s.probe_lib), free(wb.probe);
    wb.s.temp_root = NULL;
    wb.session_ready = false;
}

/* Grades one chapter of chapters/; false when interrupted (nothing recorded then). */
static bool grade_chapter_now(const struct chapter *c, bool fast, struct report *r)
{
    session_start();
    wb.s.options = (struct grading_options){.race = !fast, .speedup = !fast};
    const struct chapter *one[1] = {c};
    wb.s.chapters = one;
    wb.s.chapter_count = 1;
    char *hash = source_hash(c);
    grade_submission(&wb.s, "chapters", r);
    wb.s.chapters = NULL;
    if (grading_interrupted) {
        free(hash);
        return false;
    }
    progress_record(c, &r->chapters[0], fast, hash);
    free(hash);
    return true;
}

/* ---- showing results, in report.c's layout ---- */

static void print_indented(const char *label, const char *text)
{
    if (!text || !*text)
        return;
    printf("        %s%-9s%s", wb.st.dim, label, wb.st.off);
    for (const char *p = text; *p; p++) {
        putchar(*p);
        if (*p == '\n' && p[1])
            printf("                 ");
    }
    putchar('\n');
}

static void print_points(double score, int max)
{
    if (score == (int)score)
        printf("%3d / %d\n", (int)score, max);
    else
        printf("%5.1f / %d\n", score, max);
}

static void progress_bar(void)
{
    int done = 0, total = (int)wb.table->count, points = 0, max = 0;
    for (size_t i = 0; i < wb.table->count; i++) {
        const struct chapter *c = &wb.table->chapters[i];
        json_t *e = progress_entry(c, false);
        json_t *score = json_object_get(e, "score");
        done += state_of(c) == DONE;
        points += json_is_number(score) ? (int)(json_number_value(score) + 0.5) : 0;
        max += c->max_points;
    }
    const int width = 30;
    int filled = total ? done * width / total : 0;
    printf("%s[", wb.st.bold);
    for (int i = 0; i < width; i++)
        fputs(i < filled ? "#" : "-", stdout);
    printf("]%s %d of %d chapters done, %d of %d points\n", wb.st.off, done, total, points, max);
}

/* An example command line for the chapter: the test's own "args", or the first test of the
 * chapter that has some; ${LO..HI} becomes LO, so the example is the same every time. */
static char *example_args(const struct chapter *c, const struct test *t)
{
    json_t *list = t ? json_object_get(t->params, "args") : NULL;
    for (size_t i = 0; !json_is_array(list) && i < c->test_count; i++)
        list = json_object_get(c->tests[i].params, "args");
    struct buf b = {0};
    buf_add(&b, "", 0);
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        const char *word = json_string_value(a);
        long long lo, hi;
        if (word && sscanf(word, "${%lld..%lld}", &lo, &hi) == 2)
            buf_printf(&b, "%s%lld", i ? " " : "", lo);
        else if (word)
            buf_printf(&b, "%s%s", i ? " " : "", word);
    }
    return b.data;
}

static const char *link_flags(const struct chapter *c)
{
    return c->link_flags && *c->link_flags ? c->link_flags : "-lrt -lm";
}

/* A crash: rerun once under gdb (sandboxed, with the chapter's limits) to find the first
 * frame in the student's file. NULL when gdb is missing or says nothing useful. */
static char *crash_location(const struct chapter *c, const char *args_text_, char **function)
{
    *function = NULL;
    char *gdb = find_program("gdb");
    if (!gdb)
        return NULL;
    char *dir = xasprintf("%s/gdb-%s", wb.s.temp_root, c->dir);
    char *run_dir = xasprintf("%s/run", dir);
    if (mkdir(dir, 0711) < 0 && errno != EEXIST)
        fatal("mkdir %s: %s", dir, strerror(errno));
    char *source = source_path(c);
    struct build b;
    build_program(c, source, dir, BUILD_PLAIN, &b);
    char *where = NULL;
    if (b.ok) {
        char **args = args_printf("%s", args_text_);
        const char *argv[64] = {gdb, "-nx", "-batch", "-ex", "run", "-ex", "bt", "--args",
                                b.binary};
        int n = 9;
        for (char **a = args; *a && n < 62; a++)
            argv[n++] = *a;
        argv[n] = NULL;
        struct run_spec spec = {.argv = (char *const *)argv, .dir = run_dir,
                                .limits = c->limits};
        spec.limits.wall_s += 20;
        spec.limits.cpu_s += 20;
        spec.limits.procs += 20;
        spec.limits.mem_mb = 0;
        prepare_run_dir(run_dir);
        struct run_result r;
        run_sandboxed(&spec, &r);
        char *file = xasprintf("/%s.c:", c->program);
        for (char *line = r.out.data; line && *line && !where;) {
            char *eol = strchr(line, '\n');
            if (eol)
                *eol = '\0';
            char *at = line[0] == '#' ? strstr(line, file) : NULL;
            if (at && strstr(line, " at ")) {
                where = xasprintf("%s:%d", source, atoi(at + strlen(file)));
                char *in = strstr(line, " in ");
                char *name = in ? in + 4 : line + strspn(line, "#0123456789 ");
                *function = strndup(name, strcspn(name, " ("));
            }
            line = eol ? eol + 1 : NULL;
        }
        free(file);
        run_result_free(&r);
        args_free(args);
    }
    build_free(&b);
    remove_tree(dir);
    free(dir), free(run_dir), free(source), free(gdb);
    return where;
}

/* The line "file:N" of the student's file, for showing under a crash. */
static char *source_line(const char *where)
{
    const char *colon = strrchr(where, ':');
    char *path = strndup(where, (size_t)(colon - where));
    int wanted = atoi(colon + 1);
    struct buf text = {0};
    char *shown = NULL;
    if (read_file(path, &text, SOURCE_MAX_BYTES + 1)) {
        char **lines = split_lines(text.data, text.len, NULL);
        for (int i = 0; lines[i]; i++)
            if (i + 1 == wanted) {
                const char *s = lines[i] + strspn(lines[i], " \t");
                shown = xasprintf("%d | %s", wanted, s);
            }
        free_lines(lines);
    }
    buf_free(&text);
    free(path);
    return shown;
}

static void show_crash(const struct chapter *c, const char *args)
{
    char *function;
    char *where = crash_location(c, args, &function);
    if (where) {
        char *at = xasprintf("at %s, in %s() (seen under gdb, running %s %s)", where,
                             function ? function : "?", c->program, args);
        print_indented("crashed", at);
        char *line = source_line(where);
        print_indented("", line);
        free(at), free(line);
    } else {
        char *gdb = find_program("gdb");
        print_indented("crashed", gdb ? "gdb did not show a line of yours (the crash may depend "
                                        "on timing: run it a few times)"
                                      : "install gdb to see the line (make deps)");
        free(gdb);
    }
    char *gdb_cmd = xasprintf("make build/%s/%s/%s && gdb -q -ex run -ex bt --args "
                              "build/%s/%s/%s %s",
                              "chapters", c->dir, c->program, "chapters", c->dir, c->program, args);
    char *asan = xasprintf("gcc -std=c17 -D_DEFAULT_SOURCE -O1 -g -pthread -fsanitize=address,undefined "
                           "-Igrader/include chapters/%s/%s.c -o build/%s-asan %s && "
                           "build/%s-asan %s",
                           c->dir, c->program, c->program, link_flags(c), c->program, args);
    print_indented("gdb", gdb_cmd);
    print_indented("sanitize", asan);
    free(gdb_cmd), free(asan), free(where), free(function);
}

/* One chapter's result: compiler errors first, then a line per test, then what was expected
 * and found for the first failing test and how to run it by hand. */
static void show_chapter(const struct chapter_result *cr)
{
    const struct chapter *c = cr->chapter;
    const struct style *s = &wb.st;
    printf("\n%s%s%s  %s  %-30s", s->bold, c->dir, s->off, c->title, "");
    print_points(cr->score, cr->max_score);
    if (cr->problem) {
        printf("  %sFAIL%s  %s: %s\n", s->fail, s->off, cr->source, cr->problem);
        print_indented("compiler", cr->diagnostics);
        printf("        fix the first error, save, and check again (make next, or make watch)\n");
        return;
    }
    const struct test_outcome *first = NULL;
    for (size_t j = 0; j < cr->count; j++) {
        const struct test_outcome *t = &cr->tests[j];
        const struct verdict *v = &t->verdict;
        const char *on = v->status == PASS ? s->pass : v->status == FAIL ? s->fail : s->skip;
        printf("  %s%s%s  %-52s", on, v->status == PASS ? "PASS" : v->status == FAIL ? "FAIL" : "SKIP",
               s->off, t->test->name);
        if (v->status == SKIP)
            printf("  - / %d\n", t->test->points);
        else if (v->blocked_by)
            printf("%3d / %d  %s(after '%s')%s\n", 0, t->test->points, s->dim, v->blocked_by, s->off);
        else
            print_points(v->score, t->test->points);
        if (!first && v->status == FAIL && !v->blocked_by)
            first = t;
    }
    if (!first)
        return;
    const struct verdict *v = &first->verdict;
    printf("\n  first failing test: %s%s%s\n", s->bold, first->test->name, s->off);
    print_indented("expected", v->expected);
    print_indented("found", v->found);
    print_indented("hint", first->test->hint);
    print_indented("", v->note);
    char *args = example_args(c, first->test);
    if (v->found && strstr(v->found, "crashed: killed by SIG"))
        show_crash(c, args);
    char *run = *args ? xasprintf("make run CH=%02d ARGS=\"%s\"", c->number, args)
                      : xasprintf("make run CH=%02d", c->number);
    char *all = xasprintf("make grade CH=%02d", c->number);
    print_indented("try", run);
    print_indented("report", all);
    free(run), free(all), free(args);
}

static void hints_after_success(const struct chapter *c)
{
    int total = 0;
    while (c->hints[total])
        total++;
    long long seen = progress_number(progress_entry(c, false), "hints_shown");
    if (seen < total)
        printf("        %d hint%s you have not opened may show another way: make hint CH=%02d\n",
               (int)(total - seen), total - seen == 1 ? "" : "s", c->number);
}

static void next_steps(const struct chapter *c)
{
    printf("\nnext: chapter %02d, %s\n  read   chapters/%s/README.md\n  edit   chapters/%s/%s.c "
           "(its TODOs), save, then: make next   (or make watch: re-checks on every save)\n"
           "  stuck  make hint CH=%02d (one more each time)   later: make skip CH=%02d\n",
           c->number, c->title, c->dir, c->dir, c->program, c->number, c->number);
}

/* ---- commands ---- */

static const struct chapter *chapter_arg(const char *name)
{
    const struct chapter *c = table_find(wb.table, name);
    if (!c)
        usage_error("no chapter '%s' (workbook list shows them)", name);
    return c;
}

/* The first chapter neither done nor skipped; NULL when there is none. */
static const struct chapter *current_chapter(void)
{
    for (size_t i = 0; i < wb.table->count; i++) {
        enum state st = state_of(&wb.table->chapters[i]);
        if (st != DONE && st != SKIPPED)
            return &wb.table->chapters[i];
    }
    return NULL;
}

static int cmd_next(bool fast, bool recheck)
{
    const struct style *s = &wb.st;
    int skipped = 0;
    for (size_t i = 0; i < wb.table->count; i++) {
        const struct chapter *c = &wb.table->chapters[i];
        json_t *e = progress_entry(c, false);
        if (progress_flag(e, "skipped") && !progress_flag(e, "passed")) {
            printf("  %sskip%s  %s (make unskip CH=%02d to come back)\n", s->skip, s->off, c->dir,
                   c->number);
            skipped++;
            continue;
        }
        char *hash = source_hash(c);
        const char *was = json_string_value(json_object_get(e, "source_hash"));
        bool cached = !recheck && progress_flag(e, "passed") && was && strcmp(was, hash) == 0 &&
                      (fast || progress_flag(e, "full"));
        free(hash);
        if (cached) {
            printf("  %sdone%s  %-28s %3lld / %lld\n", s->pass, s->off, c->dir,
                   (long long)json_number_value(json_object_get(e, "score")), progress_number(e, "max"));
            continue;
        }
        printf("  ....  %-28s checking%s\n", c->dir, fast ? " (fast checks only)" : "");
        fflush(stdout);
        struct report r;
        if (!grade_chapter_now(c, fast, &r)) {
            report_free(&r);
            stopped_line();
            return 128 + stop_signal;
        }
        const struct chapter_result *cr = &r.chapters[0];
        if (chapter_passed(cr)) {
            printf("  %sdone%s  %-28s ", s->pass, s->off, c->dir);
            print_points(cr->score, cr->max_score);
            hints_after_success(c);
            report_free(&r);
            continue;
        }
        show_chapter(cr);
        report_free(&r);
        next_steps(c);
        putchar('\n');
        progress_bar();
        return 1;
    }
    putchar('\n');
    progress_bar();
    if (skipped)
        printf("every chapter you did not skip is done; make list shows the %d skipped\n", skipped);
    else
        printf("%severy chapter is done.%s make hint CH=NN --all still shows any chapter's hints\n",
               s->pass, s->off);
    return 0;
}

static int cmd_list(void)
{
    const struct style *s = &wb.st;
    printf("%s #  chapter                  status       score    hints  title%s\n", s->bold, s->off);
    for (size_t i = 0; i < wb.table->count; i++) {
        const struct chapter *c = &wb.table->chapters[i];
        json_t *e = progress_entry(c, false);
        enum state st = state_of(c);
        static const char *names[] = {"not started", "in progress", "done", "skipped"};
        const char *on = st == DONE ? s->pass : st == SKIPPED ? s->skip : st == IN_PROGRESS ? s->fail : "";
        char score[32];
        if (json_object_get(e, "graded_at"))
            snprintf(score, sizeof score, "%g/%lld", json_number_value(json_object_get(e, "score")),
                     progress_number(e, "max"));
        else
            snprintf(score, sizeof score, "-/%d", c->max_points);
        int hints = 0;
        while (c->hints[hints])
            hints++;
        char seen[16];
        snprintf(seen, sizeof seen, "%lld/%d", progress_number(e, "hints_shown"), hints);
        const char *note = "";
        if (st == DONE) {
            char *hash = source_hash(c);
            const char *was = json_string_value(json_object_get(e, "source_hash"));
            if (!was || strcmp(was, hash) != 0)
                note = "  (edited since)";
            else if (!progress_flag(e, "full"))
                note = "  (fast checks only)";
            free(hash);
        }
        printf("%02d  %-24s %s%-12s%s %-8s %-6s %s%s\n", c->number, c->slug, on, names[st], s->off,
               score, seen, c->title, note);
    }
    putchar('\n');
    progress_bar();
    const struct chapter *c = current_chapter();
    if (c)
        printf("next: chapter %02d, %s: make next (or make watch)\n", c->number, c->title);
    return 0;
}

static int cmd_hint(const char *name, bool all)
{
    const struct chapter *c = name ? chapter_arg(name) : current_chapter();
    if (!c)
        c = &wb.table->chapters[0];
    int total = 0;
    while (c->hints[total])
        total++;
    if (total == 0) {
        printf("%s has no hints\n", c->dir);
        return 0;
    }
    json_t *e = progress_entry(c, true);
    long long shown = all ? total : progress_number(e, "hints_shown") + 1;
    if (shown > total)
        shown = total;
    json_object_set_new(e, "hints_shown", json_integer(shown));
    progress_save();
    printf("%shints for %s, %s%s\n", wb.st.bold, c->dir, c->title, wb.st.off);
    for (int i = 0; i < shown; i++)
        printf("%d. %s\n", i + 1, c->hints[i]);
    if (shown < total)
        printf("(hint %lld of %d: make hint CH=%02d again for the next)\n", shown, total, c->number);
    else
        printf("(all %d hints)\n", total);
    return 0;
}

static int cmd_skip(const char *name, bool skip)
{
    const struct chapter *c = chapter_arg(name);
    json_t *e = progress_entry(c, true);
    json_object_set_new(e, "skipped", json_boolean(skip));
    progress_save();
    if (skip)
        printf("skipped %s: make next moves on; make unskip CH=%02d comes back to it\n", c->dir,
               c->number);
    else
        printf("%s is back in line: make next\n", c->dir);
    return 0;
}

static int cmd_run(const char *name, char **args)
{
    const struct chapter *c = chapter_arg(name);
    session_start();
    char *dir = xasprintf("%s/run-%s", wb.s.temp_root, c->dir);
    if (mkdir(dir, 0711) < 0)
        fatal("mkdir %s: %s", dir, strerror(errno));
    char *source = source_path(c);
    struct build b;
    build_program(c, source, dir, BUILD_PLAIN, &b);
    if (!b.ok) {
        char *diag = shorten(b.diagnostics ? b.diagnostics : "", b.diagnostics ? strlen(b.diagnostics) : 0, 1500);
        fprintf(stderr, "%s: %s\n%s", source, b.problem, diag);
        free(diag), free(dir), free(source);
        build_free(&b);
        return 1;
    }
    /* Kept where make chapters puts it, so gdb and the shell find it afterwards. */
    char *keep_dir = xasprintf("build/chapters/%s", c->dir);
    char *keep = xasprintf("%s/%s", keep_dir, c->program);
    char *mk = xasprintf("mkdir -p '%s'", keep_dir);
    if (system(mk) != 0)
        fatal("cannot make %s", keep_dir);
    copy_file(b.binary, keep, 0755);
    fprintf(stderr, "%s[workbook: built %s with the grader's flags (" CONTRACT_CFLAGS
                    " -g -Wall -Wextra)]%s\n",
            wb.st.dim, keep, wb.st.off);
    if (b.warnings) {
        char *diag = shorten(b.diagnostics, strlen(b.diagnostics), 1500);
        fprintf(stderr, "%s", diag);
        free(diag);
    }
    fflush(NULL);
    int n = 0;
    while (args[n])
        n++;
    char **argv = xcalloc((size_t)n + 2, sizeof *argv);
    argv[0] = keep;
    for (int i = 0; i < n; i++)
        argv[i + 1] = args[i];
    pid_t pid = fork();
    if (pid < 0)
        fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        execv(keep, argv);
        fprintf(stderr, "workbook: exec %s: %s\n", keep, strerror(errno));
        _exit(127);
    }
    signal(SIGINT, SIG_IGN); /* Ctrl-C is for the program */
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGINT) {
        char *shown = args_text(args);
        fprintf(stderr, "\n%s crashed: killed by SIG%s (%s)\n  gdb       gdb -q -ex run -ex bt --args %s %s\n",
                keep, sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
                strsignal(WTERMSIG(status)), keep, shown);
        fprintf(stderr, "  sanitize  gcc -std=c17 -D_DEFAULT_SOURCE -O1 -g -pthread -fsanitize=address,undefined "
                        "-Igrader/include %s -o build/%s-asan %s && build/%s-asan %s\n",
                source, c->program, link_flags(c), c->program, shown);
        free(shown);
    }
    free(argv), free(mk), free(keep), free(keep_dir), free(dir), free(source);
    build_free(&b);
    return rc;
}

/* ---- watch ---- */

enum wake { WAKE_CHANGED, WAKE_HINT, WAKE_RECHECK, WAKE_QUIT };

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static enum wake read_key(void)
{
    char k;
    if (read(STDIN_FILENO, &k, 1) != 1)
        return WAKE_RECHECK;
    return k == 'q' ? WAKE_QUIT : k == 'h' ? WAKE_HINT : k == 'r' ? WAKE_RECHECK : (enum wake)-1;
}

/* Waits until the chapter's file is saved (or a key, or a signal). inotify on the folder,
 * since editors often write a new file and rename it; a stat poll where inotify is missing. */
static enum wake wait_for_save(const struct chapter *c, const char *graded_hash, bool keys)
{
    char *dir = xasprintf("chapters/%s", c->dir);
    char *file = xasprintf("%s.c", c->program);
    char *path = source_path(c);
    const char *poll_env = getenv("PCW_WATCH_POLL");
    bool polling = poll_env && strcmp(poll_env, "1") == 0;
    int fd = polling ? -1 : inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd >= 0 && inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
                                                  IN_DELETE | IN_MODIFY | IN_ATTRIB) < 0) {
        close(fd);
        fd = -1;
    }
    struct stat before = {0};
    stat(path, &before);
    enum wake result = WAKE_QUIT;
    /* Saved between the check and now? */
    char *hash = source_hash(c);
    bool changed = strcmp(hash, graded_hash) != 0;
    free(hash);
    while (!changed && !stop_signal) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = keys ? STDIN_FILENO : -1, .events = POLLIN}};
        int n = poll(p, 2, fd >= 0 ? -1 : 500);
        if (n < 0 && errno != EINTR)
            fatal("poll: %s", strerror(errno));
        if (stop_signal)
            break;
        if (n > 0 && (p[1].revents & POLLIN)) {
            enum wake k = read_key();
            if ((int)k >= 0) {
                result = k;
                goto out;
            }
        }
        if (fd >= 0 && n > 0 && (p[0].revents & POLLIN)) {
            char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
            ssize_t len = read(fd, events, sizeof events);
            for (char *q = events; len > 0 && q < events + len;) {
                struct inotify_event *ev = (struct inotify_event *)q;
                if (ev->len && strcmp(ev->name, file) == 0)
                    changed = true;
                q += sizeof *ev + ev->len;
            }
        } else if (fd < 0) {
            struct stat now = {0};
            stat(path, &now);
            changed = !same_stat(&before, &now);
        }
    }
    if (changed) {
        /* Debounce: an editor's save is often several writes; wait for 200 ms of quiet. */
        for (;;) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (fd < 0) {
                struct timespec t = {0, 200 * 1000 * 1000};
                nanosleep(&t, NULL);
                break;
            }
            if (poll(&p, 1, 200) <= 0)
                break;
            char events[4096];
            if (read(fd, events, sizeof events) <= 0)
                break;
        }
        result = WAKE_CHANGED;
    }
out:
    if (fd >= 0)
        close(fd);
    free(dir), free(file), free(path);
    return stop_signal ? WAKE_QUIT : result;
}

/* Fast checks (build, output), then the slow passes once those pass. True when done. */
static bool watch_check(const struct chapter *c, bool fast_only, int round, char **hash)
{
    if (isatty(STDOUT_FILENO))
        fputs("\033[H\033[2J", stdout);
    char when[16];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%H:%M:%S", localtime(&now));
    printf("%swatching chapters/%s/%s.c%s  check %d at %s   keys: h hint, r re-check, q quit\n",
           wb.st.bold, c->dir, c->program, wb.st.off, round, when);
    free(*hash);
    *hash = source_hash(c);
    struct report r;
    fflush(stdout);
    if (!grade_chapter_now(c, true, &r)) {
        report_free(&r);
        return false;
    }
    bool passed = chapter_passed(&r.chapters[0]);
    if (passed && !fast_only) {
        printf("  fast checks pass; now the slow passes (race, memory, speedup)...\n");
        fflush(stdout);
        report_free(&r);
        if (!grade_chapter_now(c, false, &r)) {
            report_free(&r);
            return false;
        }
        passed = chapter_passed(&r.chapters[0]);
    }
    show_chapter(&r.chapters[0]);
    if (passed) {
        printf("\n%schapter %02d is done.%s\n", wb.st.pass, c->number, wb.st.off);
        hints_after_success(c);
    } else {
        printf("\n  save chapters/%s/%s.c to check again\n", c->dir, c->program);
    }
    putchar('\n');
    progress_bar();
    fflush(stdout);
    report_free(&r);
    return passed;
}

static int cmd_watch(const char *name, bool fast_only)
{
    const struct chapter *c = name ? chapter_arg(name) : current_chapter();
    if (!c) {
        progress_bar();
        printf("every chapter is done or skipped: make list shows them\n");
        return 0;
    }
    watching = true;
    bool keys = isatty(STDIN_FILENO);
    if (keys && tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
        struct termios raw = saved_termios;
        raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        termios_changed = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        atexit(restore_terminal);
    }
    char *hash = NULL;
    int round = 1;
    enum wake w = WAKE_RECHECK;
    while (!stop_signal) {
        if (w == WAKE_CHANGED || w == WAKE_RECHECK) {
            bool done = watch_check(c, fast_only, round++, &hash);
            if (done && !name) {
                const struct chapter *next = current_chapter();
                if (!next) {
                    printf("every chapter is done or skipped.\n");
                    break;
                }
                if (next != c) {
                    printf("moving on to chapter %02d, %s: edit chapters/%s/%s.c and save\n",
                           next->number, next->title, next->dir, next->program);
                    c = next;
                    free(hash);
                    hash = source_hash(c);
                    fflush(stdout);
                }
            }
        } else if (w == WAKE_HINT) {
            putchar('\n');
            cmd_hint(c->dir, false);
            fflush(stdout);
        } else if (w == WAKE_QUIT) {
            break;
        }
        if (stop_signal)
            break;
        w = wait_for_save(c, hash, keys);
    }
    free(hash);
    restore_terminal();
    stopped_line();
    return 0;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    const char *command = argc > 1 ? argv[1] : "next";
    if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        fputs(help, stdout);
        return 0;
    }
    static const char *const commands[] = {"next", "list", "hint", "run", "skip", "unskip", "watch"};
    bool known = false;
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        known |= strcmp(command, commands[i]) == 0;
    if (!known)
        usage_error("unknown command '%s'", command);
    /* Options and operands of every command but run (whose arguments are the program's). */
    bool fast = false, recheck = false, all = false;
    const char *operand = NULL;
    char **run_args = argv + argc;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(command, "run") == 0 && operand) {
            run_args = argv + i;
            break;
        }
        if (strcmp(a, "--fast") == 0 && (!strcmp(command, "next") || !strcmp(command, "watch")))
            fast = true;
        else if (strcmp(a, "--recheck") == 0 && !strcmp(command, "next"))
            recheck = true;
        else if (strcmp(a, "--all") == 0 && !strcmp(command, "hint"))
            all = true;
        else if (a[0] == '-' && a[1] && strcmp(command, "run") != 0)
            usage_error("%s", xasprintf("%s: unknown option %s", command, a));
        else if (!operand && strcmp(command, "next") != 0 && strcmp(command, "list") != 0)
            operand = a;
        else
            usage_error("%s", xasprintf("%s: unexpected argument '%s'", command, a));
    }
    bool needs = !strcmp(command, "run") || !strcmp(command, "skip") || !strcmp(command, "unskip");
    if (needs && !operand)
        usage_error("%s needs a chapter number", command);

    set_fatal_hook(on_fatal);
    wb.root = find_root();
    if (chdir(wb.root) < 0)
        fatal("cd %s: %s", wb.root, strerror(errno));
    wb.table = session_load_table(wb.root, &wb.table_path);
    const char *no_colour = getenv("NO_COLOR");
    wb.colour = isatty(STDOUT_FILENO) && !(no_colour && *no_colour);
    wb.st = (struct style){"", "", "", "", "", ""};
    if (wb.colour)
        wb.st = (struct style){"\033[32m", "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"};
    progress_load(wb.root);
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: poll must wake */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    int status;
    if (!strcmp(command, "next"))
        status = cmd_next(fast, recheck);
    else if (!strcmp(command, "list"))
        status = cmd_list();
    else if (!strcmp(command, "hint"))
        status = cmd_hint(operand, all);
    else if (!strcmp(command, "run"))
        status = cmd_run(operand, run_args);
    else if (!strcmp(command, "watch"))
        status = cmd_watch(operand, fast);
    else
        status = cmd_skip(operand, !strcmp(command, "skip"));
    fflush(stdout);
    set_fatal_hook(NULL);
    session_end();
    progress_free();
    table_free(wb.table);
    free(wb.table_path), free(wb.root);
    return status;
}
