/* The grader end to end, as instructors and students run it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "table.h"
#include "tests.h"

START_TEST(every_solution_earns_full_marks)
{
    const char *args[] = {"--no-speedup", "solutions", NULL};
    int status;
    json_t *r = run_grader(args, &status, NULL);
    ck_assert_int_eq(status, 0);
    double score = json_number_value(json_object_get(r, "score"));
    ck_assert_int_gt(json_integer_value(json_object_get(r, "max_score")), 0);
    ck_assert_msg(score == json_number_value(json_object_get(r, "max_score")), "score %g of %lld",
                  score, json_integer_value(json_object_get(r, "max_score")));
    json_decref(r);
}
END_TEST

START_TEST(every_shipped_starter_earns_nothing)
{
    const char *args[] = {"--no-speedup", "chapters", NULL};
    int status;
    char *text;
    json_t *r = run_grader(args, &status, &text);
    ck_assert_int_eq(status, 1);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(r, "extra_data"), "chapters"), i, c) {
        ck_assert_msg(json_number_value(json_object_get(c, "score")) == 0, "%s scores %g",
                      json_string_value(json_object_get(c, "chapter")),
                      json_number_value(json_object_get(c, "score")));
    }
    ck_assert_ptr_nonnull(strstr(text, "next: chapter 01"));
    json_decref(r);
    free(text);
}
END_TEST

START_TEST(the_grader_failing_still_leaves_valid_json)
{
    const char *args[] = {"--reference", "/nonexistent", "solutions", NULL};
    int status;
    json_t *r = run_grader(args, &status, NULL);
    ck_assert_int_eq(status, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "score")), 0);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "output")), "internal error"));
    json_decref(r);
}
END_TEST

START_TEST(bad_usage_exits_2)
{
    const char *cases[][3] = {{"--bogus", NULL}, {"-c", "99", NULL}, {"--seed", "x", NULL},
                              {"/nonexistent-dir", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status;
        json_t *r = run_grader(cases[i], &status, NULL);
        ck_assert_int_eq(status, 2);
        json_decref(r);
    }
}
END_TEST

START_TEST(a_seed_replays_the_same_inputs)
{
    const char *args[] = {"--no-race", "--seed", "12345", "-c", "1", "chapters", NULL};
    int status;
    char *a, *b;
    json_decref(run_grader(args, &status, &a));
    json_decref(run_grader(args, &status, &b));
    char *cut_a = strstr(a, "score:"), *cut_b = strstr(b, "score:");
    *cut_a = *cut_b = '\0';
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "seed 12345"));
    free(a), free(b);
}
END_TEST

START_TEST(the_readme_lists_every_chapter_of_the_table)
{
    FILE *p = popen("grader/grade --list --markdown", "r");
    ck_assert_ptr_nonnull(p);
    struct buf list = {0}, readme = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_add(&list, chunk, n);
    ck_assert_int_eq(pclose(p), 0);
    ck_assert(read_file("README.md", &readme, 1 << 20));
    ck_assert_msg(strstr(readme.data, list.data), "README.md's chapter list is not the table's; "
                  "paste the output of grader/grade --list --markdown");
    buf_free(&list), buf_free(&readme);
}
END_TEST

START_TEST(stale_reference_numbers_never_fail_a_correct_program)
{
    /* Numbers from a batch's start that the machine can no longer reach: the solution must
     * be timed again beside the reference, not failed (PASS, or SKIP on a busy machine). */
    char path[] = "/tmp/pcw-numbers-XXXXXX";
    int fd = mkstemp(path);
    const char *numbers = "{\"03-pool-square-map/speedup\": {\"slow_s\": 10.0, \"fast_s\": 1.0, \"runs\": 5}}";
    ck_assert_int_eq(write(fd, numbers, strlen(numbers)), (ssize_t)strlen(numbers));
    close(fd);
    const char *args[] = {"--no-race", "-c", "3", "--reference-numbers", path, "solutions", NULL};
    int status;
    json_t *r = run_grader(args, &status, NULL);
    const char *output = NULL;
    const char *verdict = verdict_of(r, "03-pool-square-map", "speedup", NULL, &output);
    ck_assert_msg(verdict && strcmp(verdict, "FAIL") != 0, "speedup: %s", output ? output : "?");
    ck_assert_ptr_nonnull(strstr(output, "timed again"));
    json_decref(r);
    unlink(path);
}
END_TEST

Suite *grading_suite(void)
{
    Suite *s = suite_create("grading");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, every_solution_earns_full_marks);
    tcase_add_test(tc, every_shipped_starter_earns_nothing);
    tcase_add_test(tc, the_grader_failing_still_leaves_valid_json);
    tcase_add_test(tc, bad_usage_exits_2);
    tcase_add_test(tc, a_seed_replays_the_same_inputs);
    tcase_add_test(tc, the_readme_lists_every_chapter_of_the_table);
    tcase_add_test(tc, stale_reference_numbers_never_fail_a_correct_program);
    suite_add_tcase(s, tc);
    return s;
}
