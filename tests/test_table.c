#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "table.h"
#include "tests.h"

START_TEST(every_chapter_in_the_table_has_its_files)
{
    struct table *t = table_load("chapters/chapters.json");
    ck_assert_uint_gt(t->count, 0);
    validate_kinds(t);
    for (size_t i = 0; i < t->count; i++) {
        const struct chapter *c = &t->chapters[i];
        char *starter = xasprintf("chapters/%s/%s.c", c->dir, c->program);
        char *solution = xasprintf("solutions/%s/%s.c", c->dir, c->program);
        char *lesson = xasprintf("chapters/%s/README.md", c->dir);
        ck_assert_msg(access(starter, R_OK) == 0, "%s missing", starter);
        ck_assert_msg(access(solution, R_OK) == 0, "%s missing", solution);
        ck_assert_msg(access(lesson, R_OK) == 0, "%s missing", lesson);
        ck_assert_int_gt(c->max_points, 0);
        ck_assert_ptr_nonnull(c->hints[0]);
        free(starter), free(solution), free(lesson);
    }
    table_free(t);
}
END_TEST

START_TEST(chapters_are_found_by_number_or_slug)
{
    struct table *t = table_load("chapters/chapters.json");
    ck_assert_ptr_eq(table_find(t, "1"), &t->chapters[0]);
    ck_assert_ptr_eq(table_find(t, "01"), &t->chapters[0]);
    ck_assert_ptr_eq(table_find(t, "threads-hello"), &t->chapters[0]);
    ck_assert_ptr_eq(table_find(t, "01-threads-hello"), &t->chapters[0]);
    ck_assert_ptr_null(table_find(t, "nope"));
    table_free(t);
}
END_TEST

static char path[] = "/tmp/pcw-table-XXXXXX";

static void remove_table(const char *message)
{
    (void)message;
    unlink(path);
}

static void load_text(const char *text)
{
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    freopen("/dev/null", "w", stderr);
    set_fatal_hook(remove_table); /* these tests end in fatal(): clean up there */
    struct table *t = table_load(path);
    unlink(path);
    validate_kinds(t);
}

START_TEST(a_duplicate_test_id_is_rejected)
{
    load_text("{\"chapters\": [{\"number\": 1, \"slug\": \"a\", \"program\": \"a\", \"title\": \"A\","
              "\"idea\": \"i\", \"tests\": [{\"id\": \"x\", \"name\": \"n\", \"kind\": \"warnings\","
              "\"points\": 1}, {\"id\": \"x\", \"name\": \"n\", \"kind\": \"warnings\", \"points\": 1}]}]}");
}
END_TEST

START_TEST(an_unknown_kind_is_rejected)
{
    load_text("{\"chapters\": [{\"number\": 1, \"slug\": \"a\", \"program\": \"a\", \"title\": \"A\","
              "\"idea\": \"i\", \"tests\": [{\"id\": \"x\", \"name\": \"n\", \"kind\": \"magic\","
              "\"points\": 1}]}]}");
}
END_TEST

START_TEST(malformed_json_is_rejected)
{
    load_text("{\"chapters\": [");
}
END_TEST

START_TEST(requires_must_name_an_earlier_test)
{
    load_text("{\"chapters\": [{\"number\": 1, \"slug\": \"a\", \"program\": \"a\", \"title\": \"A\","
              "\"idea\": \"i\", \"tests\": [{\"id\": \"x\", \"name\": \"n\", \"kind\": \"warnings\","
              "\"points\": 1, \"requires\": [\"y\"]}]}]}");
}
END_TEST

Suite *table_suite(void)
{
    Suite *s = suite_create("table");
    TCase *tc = tcase_create("chapter table");
    tcase_add_test(tc, every_chapter_in_the_table_has_its_files);
    tcase_add_test(tc, chapters_are_found_by_number_or_slug);
    tcase_add_exit_test(tc, a_duplicate_test_id_is_rejected, 2);
    tcase_add_exit_test(tc, an_unknown_kind_is_rejected, 2);
    tcase_add_exit_test(tc, malformed_json_is_rejected, 2);
    tcase_add_exit_test(tc, requires_must_name_an_earlier_test, 2);
    suite_add_tcase(s, tc);
    return s;
}
