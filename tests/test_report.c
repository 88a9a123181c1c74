#include <string.h>
#include <unistd.h>

#include "report.h"
#include "tests.h"

static struct test one = {.id = "lines", .name = "lines", .points = 3};
static struct chapter ch = {.number = 1, .dir = "01-threads-hello", .title = "Hello"};

START_TEST(results_json_is_valid_even_with_hostile_output)
{
    struct test_outcome tr = {.test = &one};
    verdict_fail(&tr.verdict, "a line", "\xff\xfe\x01 not utf-8 \"quoted\" \\ and a NUL:\\x00");
    struct chapter_result cr = {.chapter = &ch, .source = "x.c", .tests = &tr, .count = 1,
                                .max_score = 3};
    struct report r = {.submission = "sub", .seed = 7, .chapters = &cr, .count = 1};
    char path[] = "/tmp/pcw-report-XXXXXX";
    close(mkstemp(path));
    ck_assert(report_json(path, &r));
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    ck_assert_msg(root != NULL, "%s", e.text);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "max_score")), 3);
    json_t *t = json_array_get(json_object_get(root, "tests"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(t, "status")), "failed");
    ck_assert_ptr_nonnull(json_object_get(t, "output"));
    json_decref(root);
    unlink(path);
    verdict_free(&tr.verdict);
}
END_TEST

START_TEST(a_failure_report_is_valid_json)
{
    char path[] = "/tmp/pcw-report-XXXXXX";
    close(mkstemp(path));
    report_json_failure(path, "boom \xff");
    json_t *root = json_load_file(path, 0, NULL);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "score")), 0);
    json_decref(root);
    unlink(path);
}
END_TEST

START_TEST(skipped_tests_do_not_count_in_the_maximum)
{
    struct test_outcome tr = {.test = &one};
    verdict_skip(&tr.verdict, "one CPU");
    struct chapter_result cr = {.chapter = &ch, .source = "x.c", .tests = &tr, .count = 1};
    struct report r = {.submission = "sub", .chapters = &cr, .count = 1};
    char path[] = "/tmp/pcw-report-XXXXXX";
    close(mkstemp(path));
    ck_assert(report_json(path, &r));
    json_t *root = json_load_file(path, 0, NULL);
    json_t *t = json_array_get(json_object_get(root, "tests"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(t, "max_score")), 0);
    ck_assert_ptr_null(json_object_get(t, "status"));
    json_decref(root);
    unlink(path);
    verdict_free(&tr.verdict);
}
END_TEST

Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("results.json");
    tcase_add_test(tc, results_json_is_valid_even_with_hostile_output);
    tcase_add_test(tc, a_failure_report_is_valid_json);
    tcase_add_test(tc, skipped_tests_do_not_count_in_the_maximum);
    suite_add_tcase(s, tc);
    return s;
}
