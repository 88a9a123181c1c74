/* session.h - what every grading session sets up before its first build: the workbook's
 * root, the chapter table, and private copies of the header and the probe library. */
#ifndef GRADER_SESSION_H
#define GRADER_SESSION_H

#include "grading.h"
#include "table.h"

/* The workbook's root: $PCW_ROOT, or the folder above the one holding this program. */
char *find_root(void);
/* root/chapters/chapters.json, loaded and with every test's kind known; exits 2 if not. */
struct table *session_load_table(const char *root, char **table_path);
/* root/grader/probe.so; exits 2 when it is missing (make builds it). */
char *session_probe_path(const char *root);
/* Into s->temp_root: private copies of what every build and run uses (grader/include/pcw.h,
 * which build_init points the compiler at, and probe into s->probe_lib). */
void session_private_copies(struct session *s, const char *root, const char *probe);

#endif
