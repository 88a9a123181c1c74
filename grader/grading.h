/* grading.h - grade one submission: every chosen chapter, test by test. */
#ifndef GRADER_GRADING_H
#define GRADER_GRADING_H

#include <signal.h>

#include "checks.h"
#include "report.h"

struct session {
    const char *reference_dir;   /* solutions/ or --reference */
    char *probe_lib;
    char *temp_root;             /* private builds and runs; removed at the end */
    const char *reference_builds; /* where reference binaries are kept for the whole run
                                   * (a batch's students share them); NULL: temp_root */
    struct grading_options options;
    struct rng rng;
    unsigned long long seed;
    const struct chapter **chapters; /* the ones to grade, in order */
    size_t chapter_count;
};

extern volatile sig_atomic_t grading_interrupted;

/* Fills r for the submission folder (NN-slug/PROG.c per chapter); never fails on the
 * student's account: a broken submission is a verdict. */
void grade_submission(struct session *s, const char *submission, struct report *r);
void report_free(struct report *r);
/* Builds every chosen chapter's reference once, with its ThreadSanitizer build when a race
 * test needs one, so that students graded in parallel never build them at once. */
void build_references(struct session *s);
bool report_passed(const struct report *r);

#endif
