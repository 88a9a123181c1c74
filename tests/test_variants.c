/* Every file in tests/variants/NN-slug/ is a submission with a known verdict, written in its
 * header:  expect-fail: IDS   expect-pass: IDS   expect-message: ID: TEXT
 * A failing test must fail for its own reason (not because an earlier one blocked it). */
#include <dirent.h>
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
    char *sub = make_submission(c->dir, c->program, path);
    char number[8];
    snprintf(number, sizeof number, "%d", c->number);
    const char *args[] = {"--no-speedup", "-c", number, sub, NULL};
    int status;
    json_t *r = run_grader(args, &status, NULL);
    int bad = 0;
    const char *want[2] = {"FAIL", "PASS"};
    char *lists[2] = {fails, passes};
    for (int k = 0; k < 2; k++)
        for (char *id = strtok(lists[k], " \t"); id; id = strtok(NULL, " \t")) {
            bool blocked = false;
            const char *output = NULL;
            const char *got = verdict_of(r, c->dir, id, &blocked, &output);
            if (!got || strcmp(got, want[k]) != 0 || (k == 0 && blocked)) {
                buf_printf(problems, "\n  %s: test '%s' should %s, got %s%s: %.300s", path, id,
                           want[k], got ? got : "no such test", blocked ? " (blocked)" : "",
                           output ? output : "");
                bad++;
            }
        }
    for (const char *m = text.data; (m = strstr(m, "expect-message:")); m++) {
        char id[64], message[256];
        if (sscanf(m, "expect-message: %63[^:]: %255[^\n]", id, message) != 2)
            continue;
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

START_TEST(each_variant_gets_its_expected_verdicts)
{
    const struct chapter *c = &table->chapters[_i];
    char *dir = xasprintf("tests/variants/%s", c->dir);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s: no variants for this chapter", dir);
    struct buf problems = {0};
    int variants = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        bad += check_variant(c, path, &problems);
        variants++;
        free(path);
    }
    closedir(d);
    ck_assert_msg(variants >= 3, "%s: only %d variants", dir, variants);
    ck_assert_msg(bad == 0, "%d wrong verdicts:%s", bad, problems.data);
    buf_free(&problems);
    free(dir);
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
    return s;
}
