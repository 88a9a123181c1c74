/* Every file in tests/variants/NN-slug/ is a submission with a known verdict, written in its
 * header:  expect-fail: IDS   expect-pass: IDS   expect-message: ID: TEXT
 * A variant is a whole .c file, or a .patch to the reference solution with its header lines
 * before the diff.
 * A failing test must fail for its own reason (not because an earlier one blocked it). */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "tests.h"

static struct table *table;

static char *header_value(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return NULL;
    p += strlen(key);
    size_t len = strcspn(p, "\n");
    char *value = xcalloc(len + 1, 1);
    memcpy(value, p, len);
    char *end = strstr(value, "*/");
    if (end)
        *end = '\0';
    return value;
}

static int check_variant(const struct chapter *c, const char *path, struct buf *problems)
{
    struct buf text = {0};
    ck_assert(read_file(path, &text, 1 << 20));
    char *fails = header_value(text.data, "expect-fail:");
    char *passes = header_value(text.data, "expect-pass:");
    ck_assert_msg(fails && passes, "%s: header needs expect-fail: and expect-pass: lines", path);
    char *source = variant_source(path, c->dir, c->program);
    char *sub = make_submission(c->dir, c->program, source);
    if (strcmp(source, path) != 0)
        unlink(source);
    free(source);
    char number[8];
    snprintf(number, sizeof number, "%d", c->number);
    const char *args[] = {"--no-speedup", "-c", number, sub, NULL};
    int status;
    json_t *r = run_grader(args, &status, NULL);
    int bad = 0, judged = 0, skipped = 0;
    const char *want[2] = {"FAIL", "PASS"};
    char *lists[2] = {fails, passes};
    for (int k = 0; k < 2; k++)
        for (char *id = strtok(lists[k], " \t"); id; id = strtok(NULL, " \t")) {
            bool blocked = false;
            const char *output = NULL;
            const char *got = verdict_of(r, c->dir, id, &blocked, &output);
            /* A machine that cannot judge (too busy to run two CPUs at once) skips: that
             * is not the verdict being wrong, but a variant must still be judged somewhere. */
            if (got && strcmp(got, "SKIP") == 0 && strstr(output ? output : "", "cannot tell")) {
                skipped++;
                continue;
            }
            judged++;
            if (!got || strcmp(got, want[k]) != 0 || (k == 0 && blocked)) {
                buf_printf(problems, "\n  %s: test '%s' should %s, got %s%s: %.300s", path, id,
                           want[k], got ? got : "no such test", blocked ? " (blocked)" : "",
                           output ? output : "");
                bad++;
            }
        }
    if (judged == 0 && skipped > 0) {
        buf_printf(problems, "\n  %s: every expected verdict was skipped by this machine", path);
        bad++;
    }
    /* expect-fail-any: a mistake that shows in one of several tests, whichever sees it first. */
    char *any = header_value(text.data, "expect-fail-any:");
    if (any) {
        bool caught = false;
        for (char *id = strtok(any, " \t"); id; id = strtok(NULL, " \t")) {
            bool blocked = false;
            const char *got = verdict_of(r, c->dir, id, &blocked, NULL);
            caught |= got && strcmp(got, "FAIL") == 0 && !blocked;
        }
        if (!caught) {
            buf_printf(problems, "\n  %s: none of the tests named by expect-fail-any failed", path);
            bad++;
        }
        free(any);
    }
    for (const char *m = text.data; (m = strstr(m, "expect-message:")); m++) {
        char id[64], message[256];
        if (sscanf(m, "expect-message: %63[^:]: %255[^\n]", id, message) != 2)
            continue;
        char *end = strstr(message, "*/");
        if (end)
            *end = '\0';
        for (size_t n = strlen(message); n > 0 && message[n - 1] == ' '; n--)
            message[n - 1] = '\0';
        const char *output = NULL;
        verdict_of(r, c->dir, id, NULL, &output);
        if (!output || !strstr(output, message)) {
            buf_printf(problems, "\n  %s: test '%s' should say '%s', said: %.300s", path, id,
                       message, output ? output : "(no such test)");
            bad++;
        }
    }
    json_decref(r);
    remove_tree(sub);
    free(sub), free(fails), free(passes);
    buf_free(&text);
    return bad;
}

/* Grades every file of folder/NN-slug; returns how many there were. */
static int check_folder(const struct chapter *c, const char *folder, struct buf *problems, int *bad)
{
    char *dir = xasprintf("%s/%s", folder, c->dir);
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return 0;
    }
    int variants = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (!(n > 2 && strcmp(e->d_name + n - 2, ".c") == 0) &&
            !(n > 6 && strcmp(e->d_name + n - 6, ".patch") == 0))
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        *bad += check_variant(c, path, problems);
        variants++;
        free(path);
    }
    closedir(d);
    free(dir);
    return variants;
}

START_TEST(each_variant_gets_its_expected_verdicts)
{
    const struct chapter *c = &table->chapters[_i];
    struct buf problems = {0};
    int bad = 0;
    int variants = check_folder(c, "tests/variants", &problems, &bad);
    ck_assert_msg(variants >= 3, "tests/variants/%s: only %d variants", c->dir, variants);
    ck_assert_msg(bad == 0, "%d wrong verdicts:%s", bad, problems.data);
    buf_free(&problems);
}
END_TEST

static int listener = -1;

static void listen_on_loopback(void)
{
    listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(47999)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(listener, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(listener, 8), 0);
}

START_TEST(hostile_submissions_are_contained)
{
    const struct chapter *c = table_find(table, "01");
    unlink("/tmp/pcw-escaped");
    listen_on_loopback();
    struct buf problems = {0};
    int bad = 0;
    int variants = check_folder(c, "tests/hostile", &problems, &bad);
    ck_assert_int_ge(variants, 6);
    ck_assert_msg(bad == 0, "%d wrong verdicts:%s", bad, problems.data);
    ck_assert_msg(access("/tmp/pcw-escaped", F_OK) != 0, "a submission wrote /tmp/pcw-escaped");
    int conn = accept(listener, NULL, NULL);
    ck_assert_msg(conn < 0, "a submission connected to 127.0.0.1:47999");
    close(listener);
    if (geteuid() == 0)
        ck_assert_msg(system("pgrep -u 65534 >/dev/null") != 0,
                      "processes of the sandbox user are still running");
    /* Grading hostile work leaves a normal submission's result unchanged. */
    const char *args[] = {"--no-speedup", "-c", "1", "solutions", NULL};
    int status;
    json_t *r = run_grader(args, &status, NULL);
    ck_assert_int_eq(status, 0);
    json_decref(r);
    buf_free(&problems);
}
END_TEST

START_TEST(a_symlink_to_a_secret_is_refused)
{
    char *sub = make_temp_dir("test-symlink");
    char *dir = xasprintf("%s/01-threads-hello", sub);
    char *file = xasprintf("%s/hello.c", dir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_int_eq(symlink("/etc/shadow", file), 0);
    const char *args[] = {"-c", "1", sub, NULL};
    int status;
    char *text;
    json_t *r = run_grader(args, &status, &text);
    ck_assert_int_eq(status, 1);
    ck_assert_ptr_nonnull(strstr(text, "symbolic link"));
    ck_assert_ptr_null(strstr(text, "root:"));
    json_decref(r);
    free(text);
    remove_tree(sub);
    free(sub), free(dir), free(file);
}
END_TEST

Suite *variants_suite(void)
{
    table = table_load("chapters/chapters.json");
    Suite *s = suite_create("variants");
    TCase *tc = tcase_create("known submissions");
    tcase_set_timeout(tc, 900);
    tcase_add_loop_test(tc, each_variant_gets_its_expected_verdicts, 0, (int)table->count);
    suite_add_tcase(s, tc);
    TCase *hostile = tcase_create("hostile submissions");
    tcase_set_timeout(hostile, 300);
    tcase_add_test(hostile, hostile_submissions_are_contained);
    tcase_add_test(hostile, a_symlink_to_a_secret_is_refused);
    suite_add_tcase(s, hostile);
    return s;
}
