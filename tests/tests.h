/* tests.h - the Check suites; each file tests one layer of the grader or one promise. */
#ifndef PCW_TESTS_H
#define PCW_TESTS_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>

Suite *util_suite(void);
Suite *table_suite(void);
Suite *sandbox_suite(void);
Suite *build_suite(void);
Suite *report_suite(void);
Suite *grading_suite(void);
Suite *variants_suite(void);
Suite *batch_suite(void);
Suite *workbook_suite(void);

/* Runs grader/grade with args (NULL-terminated, without the program name) and its report
 * into a temporary results.json; returns the parsed report (caller json_decref) and sets
 * *status to the exit status. stdout is kept in *text when text is not NULL. */
json_t *run_grader(const char *const *args, int *status, char **text);
/* A submission folder holding one file: dir/NN-slug/PROG.c copied from source. */
char *make_submission(const char *chapter_dir, const char *program, const char *source);
/* A .c variant as it is, or a .patch applied to the reference solution in a temporary
 * file (the caller unlinks it when it differs from path). */
char *variant_source(const char *path, const char *chapter_dir, const char *program);
/* The verdict of one test of a report: "PASS", "FAIL", "SKIP" or NULL; blocked when asked. */
const char *verdict_of(json_t *report, const char *chapter_dir, const char *test_id, bool *blocked,
                       const char **output);

#endif
