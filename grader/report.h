/* report.h - the two records of a grading: text for people, results.json for machines. */
#ifndef GRADER_REPORT_H
#define GRADER_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "checks.h"

struct test_outcome {
    const struct test *test;
    struct verdict verdict;
};

struct chapter_result {
    const struct chapter *chapter;
    const char *source;      /* as the student knows it: chapters/01-threads-hello/hello.c */
    char *problem;           /* could not build: why */
    char *diagnostics;       /* compiler messages, trimmed */
    struct test_outcome *tests;
    size_t count;
    double score;
    int max_score;           /* without skipped tests */
    int skipped_points;
};

struct report {
    const char *submission;
    unsigned long long seed;
    double seconds;
    struct chapter_result *chapters;
    size_t count;
    char *error;             /* the grader itself failed */
};

bool chapter_passed(const struct chapter_result *c);
void report_totals(const struct report *r, double *score, int *max);
void report_text(FILE *out, const struct report *r, bool colour);
/* Writes results.json atomically (temporary file, then rename); false on failure. */
bool report_json(const char *path, const struct report *r);
/* A results.json saying only that grading failed: always valid JSON. */
void report_json_failure(const char *path, const char *message);

#endif
