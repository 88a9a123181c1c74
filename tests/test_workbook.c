/* The student runner (grader/workbook) as a student uses it, on a scratch copy of the
 * workbook (PCW_ROOT) whose chapters are the starters: list, next, hint, skip, run, the
 * progress file, and the tmux walkthrough in a real terminal. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "table.h"
#include "tests.h"
#include "util.h"

extern char **environ;

static char *scratch;        /* the scratch workbook: PCW_ROOT */
static struct table *table;  /* the real one, for chapter names */
static const struct chapter *first, *second;

static void sh(const char *fmt, const char *a, const char *b)
{
    char *cmd = xasprintf(fmt, a, b);
    ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
    free(cmd);
}

static void setup(void)
{
    table = table_load("chapters/chapters.json");
    ck_assert_uint_ge(table->count, 2);
    first = &table->chapters[0];
    second = &table->chapters[1];
    scratch = make_temp_dir("test-workbook");
    sh("mkdir -p '%s/grader/include' && cp -r solutions '%s/'", scratch, scratch);
    sh("cp grader/include/pcw.h '%s/grader/include/' && cp grader/probe.so '%s/grader/'", scratch,
       scratch);
    sh("mkdir '%s/chapters' && cp chapters/chapters.json '%s/chapters/'", scratch, scratch);
    for (size_t i = 0; i < table->count; i++) {
        const struct chapter *c = &table->chapters[i];
        char *dir = xasprintf("%s/chapters/%s", scratch, c->dir);
        char *from = xasprintf("chapters/%s/%s.c", c->dir, c->program);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        sh("cp '%s' '%s/'", from, dir);
        free(dir), free(from);
    }
    sh("chmod 755 '%s'%s", scratch, "");
}

static void teardown(void)
{
    remove_tree(scratch);
    free(scratch);
    table_free(table);
}

struct outcome {
    int status;
    char *out, *err;
};

static void outcome_free(struct outcome *o)
{
    free(o->out), free(o->err);
}

/* Runs grader/workbook with args (NULL-terminated) on the scratch workbook. */
static struct outcome workbook(const char *const *args)
{
    char out_path[] = "/tmp/pcw-wb-out-XXXXXX", err_path[] = "/tmp/pcw-wb-err-XXXXXX";
    int out = mkstemp(out_path), err = mkstemp(err_path);
    ck_assert(out >= 0 && err >= 0);
    const char *argv[32] = {"grader/workbook"};
    int n = 1;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *env[256];
    int e = 0;
    for (char **p = environ; *p && e < 250; p++)
        if (strncmp(*p, "PCW_ROOT=", 9) && strncmp(*p, "NO_COLOR=", 9))
            env[e++] = *p;
    char *root = xasprintf("PCW_ROOT=%s", scratch);
    env[e++] = root;
    env[e++] = "NO_COLOR=1";
    env[e] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    posix_spawn_file_actions_adddup2(&fa, err, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, "grader/workbook", &fa, NULL, (char **)argv, env), 0);
    posix_spawn_file_actions_destroy(&fa);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "workbook died by signal %d", WTERMSIG(st));
    struct outcome o = {.status = WEXITSTATUS(st)};
    struct buf b = {0}, c = {0};
    read_file(out_path, &b, 1 << 20);
    read_file(err_path, &c, 1 << 20);
    o.out = b.data ? b.data : xstrdup("");
    o.err = c.data ? c.data : xstrdup("");
    close(out), close(err), unlink(out_path), unlink(err_path);
    free(root);
    return o;
}

#define WB(...) workbook((const char *const[]){__VA_ARGS__, NULL})

static void shows(const struct outcome *o, const char *text)
{
    ck_assert_msg(strstr(o->out, text), "the output does not show '%s':\n%s\nstderr:\n%s", text,
                  o->out, o->err);
}

static json_t *progress_of(const struct chapter *c)
{
    char *path = xasprintf("%s/.pcw-progress.json", scratch);
    json_error_t e;
    json_t *all = json_load_file(path, 0, &e);
    ck_assert_msg(all, "%s: %s", path, e.text);
    free(path);
    json_t *entry = json_incref(json_object_get(json_object_get(all, "chapters"), c->dir));
    json_decref(all);
    ck_assert_msg(entry, "no progress entry for %s", c->dir);
    return entry;
}

static void use_solution(const struct chapter *c)
{
    char *from = xasprintf("solutions/%s/%s.c", c->dir, c->program);
    char *to = xasprintf("%s/chapters/%s/%s.c", scratch, c->dir, c->program);
    copy_file(from, to, 0644);
    free(from), free(to);
}

START_TEST(list_on_a_fresh_checkout_shows_every_chapter_not_started)
{
    struct outcome o = WB("list");
    ck_assert_int_eq(o.status, 0);
    for (size_t i = 0; i < table->count; i++) {
        char *line = xasprintf("%02d  %-24s not started", table->chapters[i].number,
                               table->chapters[i].slug);
        shows(&o, line);
        free(line);
    }
    shows(&o, "0 of");
    char *path = xasprintf("%s/.pcw-progress.json", scratch);
    ck_assert_msg(access(path, F_OK) != 0, "list wrote a progress file");
    free(path);
    outcome_free(&o);
}
END_TEST

START_TEST(bad_usage_exits_2_with_one_line)
{
    const char *const cases[][4] = {{"frob"}, {"run"}, {"hint", "99"}, {"next", "--bogus"},
                                    {"skip"}, {"list", "extra"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct outcome o = workbook(cases[i]);
        ck_assert_msg(o.status == 2, "'%s' exits %d", cases[i][0], o.status);
        ck_assert_str_eq(o.out, "");
        char *nl = strchr(o.err, '\n');
        ck_assert_msg(nl && nl[1] == '\0', "'%s': not one line on stderr: %s", cases[i][0], o.err);
        ck_assert_msg(strncmp(o.err, "workbook: ", 10) == 0, "%s", o.err);
        outcome_free(&o);
    }
}
END_TEST

START_TEST(next_stops_at_the_first_chapter_not_done_and_says_what_failed)
{
    struct outcome o = WB("next", "--fast");
    ck_assert_int_eq(o.status, 1);
    shows(&o, first->dir);
    shows(&o, "first failing test:");
    shows(&o, "expected");
    shows(&o, "found");
    char *run = xasprintf("make run CH=%02d", first->number);
    shows(&o, run);
    ck_assert_msg(!strstr(o.out, second->dir), "next went past %s:\n%s", first->dir, o.out);
    json_t *e = progress_of(first);
    ck_assert(json_is_false(json_object_get(e, "passed")));
    ck_assert(json_is_string(json_object_get(e, "graded_at")));
    ck_assert(json_is_number(json_object_get(e, "score")));
    ck_assert(json_is_integer(json_object_get(e, "max")));
    json_decref(e);
    free(run);
    outcome_free(&o);
}
END_TEST

START_TEST(next_moves_on_once_a_chapter_passes_and_remembers_it)
{
    use_solution(first);
    struct outcome o = WB("next", "--fast");
    ck_assert_int_eq(o.status, 1);
    char *done = xasprintf("done  %s", first->dir);
    char *next = xasprintf("next: chapter %02d", second->number);
    shows(&o, done);
    shows(&o, next);
    shows(&o, "1 of");
    json_t *e = progress_of(first);
    ck_assert(json_is_true(json_object_get(e, "passed")));
    ck_assert_int_eq(json_integer_value(json_object_get(e, "max")), json_number_value(json_object_get(e, "score")));
    json_decref(e);
    outcome_free(&o);
    /* Unchanged since it passed: not graded again. */
    o = WB("next", "--fast");
    char *checking = xasprintf("%s             checking", first->dir);
    ck_assert_msg(!strstr(o.out, checking), "a passed, unchanged chapter was graded again:\n%s", o.out);
    shows(&o, done);
    outcome_free(&o);
    o = WB("list");
    char *line = xasprintf("%02d  %-24s done", first->number, first->slug);
    shows(&o, line);
    shows(&o, "in progress");
    free(done), free(next), free(checking), free(line);
    outcome_free(&o);
}
END_TEST

START_TEST(hint_shows_one_more_each_time)
{
    int total = 0;
    while (first->hints[total])
        total++;
    ck_assert_int_ge(total, 2);
    char *number = xasprintf("%d", first->number);
    struct outcome o = WB("hint", number);
    ck_assert_int_eq(o.status, 0);
    shows(&o, "1. ");
    ck_assert_msg(!strstr(o.out, "\n2. "), "two hints at once:\n%s", o.out);
    outcome_free(&o);
    o = WB("hint", number);
    shows(&o, "\n2. ");
    outcome_free(&o);
    json_t *e = progress_of(first);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "hints_shown")), 2);
    json_decref(e);
    o = WB("hint", number, "--all");
    char *last = xasprintf("\n%d. %s", total, first->hints[total - 1]);
    shows(&o, last);
    shows(&o, "(all ");
    outcome_free(&o);
    o = WB("list");
    char *seen = xasprintf("%d/%d", total, total);
    shows(&o, seen);
    free(number), free(last), free(seen);
    outcome_free(&o);
}
END_TEST

START_TEST(a_skipped_chapter_is_passed_over_until_unskipped)
{
    char *number = xasprintf("%d", first->number);
    struct outcome o = WB("skip", number);
    ck_assert_int_eq(o.status, 0);
    outcome_free(&o);
    o = WB("list");
    char *line = xasprintf("%02d  %-24s skipped", first->number, first->slug);
    shows(&o, line);
    outcome_free(&o);
    o = WB("next", "--fast");
    char *next = xasprintf("next: chapter %02d", second->number);
    shows(&o, next);
    shows(&o, "skip");
    outcome_free(&o);
    json_t *e = progress_of(first);
    ck_assert(json_is_true(json_object_get(e, "skipped")));
    json_decref(e);
    o = WB("unskip", number);
    outcome_free(&o);
    o = WB("next", "--fast");
    char *back = xasprintf("next: chapter %02d", first->number);
    shows(&o, back);
    free(number), free(line), free(next), free(back);
    outcome_free(&o);
}
END_TEST

START_TEST(run_builds_with_the_graders_flags_and_runs_the_program)
{
    use_solution(first);
    char *number = xasprintf("%d", first->number);
    /* Bad usage of the student's own program is its business: its status comes back. */
    struct outcome o = WB("run", number, "-t", "0");
    ck_assert_int_eq(o.status, 2);
    ck_assert_msg(strstr(o.err, "with the grader's flags"), "%s", o.err);
    outcome_free(&o);
    /* Chapter 01's contract: -t T prints one line per thread. */
    if (strcmp(first->program, "hello") == 0) {
        o = WB("run", number, "-t", "3");
        ck_assert_int_eq(o.status, 0);
        shows(&o, "hello from thread 3 of 3");
        outcome_free(&o);
    }
    char *kept = xasprintf("%s/build/chapters/%s/%s", scratch, first->dir, first->program);
    ck_assert_msg(access(kept, X_OK) == 0, "%s was not kept", kept);
    free(kept), free(number);
}
END_TEST

START_TEST(compiler_errors_come_first)
{
    char *to = xasprintf("%s/chapters/%s/%s.c", scratch, first->dir, first->program);
    FILE *f = fopen(to, "w");
    fputs("int main(void) { return missing_name; }\n", f);
    fclose(f);
    struct outcome o = WB("next", "--fast");
    ck_assert_int_eq(o.status, 1);
    shows(&o, "does not compile");
    const char *error = strstr(o.out, "error:");
    ck_assert_msg(error && error < strstr(o.out, "next: chapter"), "%s", o.out);
    ck_assert_msg(!strstr(o.out, "first failing test"), "%s", o.out);
    free(to);
    outcome_free(&o);
}
END_TEST

START_TEST(a_crash_is_shown_with_its_signal_line_and_how_to_rerun_it)
{
    const char *variant = "tests/variants/01-threads-hello/segfault.c";
    if (access(variant, R_OK) != 0 || strcmp(first->dir, "01-threads-hello") != 0)
        return;
    char *to = xasprintf("%s/chapters/%s/%s.c", scratch, first->dir, first->program);
    copy_file(variant, to, 0644);
    struct outcome o = WB("next", "--fast");
    ck_assert_int_eq(o.status, 1);
    shows(&o, "crashed: killed by SIGSEGV");
    shows(&o, "-fsanitize=address,undefined");
    shows(&o, "gdb -q -ex run -ex bt --args build/chapters/01-threads-hello/hello");
    char *gdb = find_program("gdb");
    if (gdb)
        shows(&o, "at chapters/01-threads-hello/hello.c:");
    free(gdb), free(to);
    outcome_free(&o);
}
END_TEST

START_TEST(the_tmux_walkthrough_passes)
{
    char *tmux = find_program("tmux");
    if (!tmux)
        return; /* make deps installs it; without it there is no terminal to drive */
    free(tmux);
    int status = system("tests/tmux-walkthrough > /dev/null");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "tests/tmux-walkthrough failed (run it to see the screen)");
}
END_TEST

Suite *workbook_suite(void)
{
    Suite *s = suite_create("workbook");
    TCase *tc = tcase_create("student runner");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, list_on_a_fresh_checkout_shows_every_chapter_not_started);
    tcase_add_test(tc, bad_usage_exits_2_with_one_line);
    tcase_add_test(tc, next_stops_at_the_first_chapter_not_done_and_says_what_failed);
    tcase_add_test(tc, next_moves_on_once_a_chapter_passes_and_remembers_it);
    tcase_add_test(tc, hint_shows_one_more_each_time);
    tcase_add_test(tc, a_skipped_chapter_is_passed_over_until_unskipped);
    tcase_add_test(tc, run_builds_with_the_graders_flags_and_runs_the_program);
    tcase_add_test(tc, compiler_errors_come_first);
    tcase_add_test(tc, a_crash_is_shown_with_its_signal_line_and_how_to_rerun_it);
    suite_add_tcase(s, tc);
    TCase *terminal = tcase_create("in a terminal");
    tcase_set_timeout(terminal, 300);
    tcase_add_test(terminal, the_tmux_walkthrough_passes);
    suite_add_tcase(s, terminal);
    return s;
}
