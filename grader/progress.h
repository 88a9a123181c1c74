/* progress.h - what the student runner remembers between runs. */
#ifndef GRADER_PROGRESS_H
#define GRADER_PROGRESS_H

#include <jansson.h>
#include <stdbool.h>

#include "report.h"

enum state { NOT_STARTED, IN_PROGRESS, DONE, SKIPPED };

void progress_load(const char *root);
void progress_save(void);
void progress_free(void);
/* The chapter's entry; created (empty) when asked to, else NULL when there is none. */
json_t *progress_entry(const struct chapter *c, bool create);
bool progress_flag(json_t *e, const char *key);
long long progress_number(json_t *e, const char *key);
enum state state_of(const struct chapter *c);
void progress_record(const struct chapter *c, const struct chapter_result *cr, bool fast,
                     const char *hash);
char *source_path(const struct chapter *c); /* chapters/NN-slug/PROG.c */
char *source_hash(const struct chapter *c); /* changes whenever the file does */

#endif
