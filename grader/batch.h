/* batch.h - grade a whole class: one submission per student, a gradebook CSV. */
#ifndef GRADER_BATCH_H
#define GRADER_BATCH_H

#include "grading.h"

struct batch_options {
    const char *dir;        /* one folder, .zip, .tar.gz or .tgz per student */
    const char *csv;        /* the gradebook */
    const char *json_dir;   /* results.json and the text report of each student, when given */
    const char *reference_numbers; /* reuse (or record) the timed pass's reference numbers */
    int jobs;
    const char *students[100]; /* regrade only these (rows of others are kept) */
    int student_count;
};

/* Exit status: 0 every student passed everything, 1 otherwise, 2 when the batch failed. */
int run_batch(struct session *s, const struct batch_options *b);

#endif
