/* speedup.h - reference numbers of the timed pass, measured once and reused. */
#ifndef GRADER_SPEEDUP_H
#define GRADER_SPEEDUP_H

#include <jansson.h>
#include <stdbool.h>

/* The numbers known so far: {"NN-slug/test": {"slow_s", "fast_s", "runs"}}. */
json_t *speedup_reference_numbers(void);
/* Reads FILE when it exists; false (nothing read) when it does not. Exits 2 on a bad file. */
bool speedup_load_reference_numbers(const char *path);
bool speedup_save_reference_numbers(const char *path);

#endif
