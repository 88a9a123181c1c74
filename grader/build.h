/* build.h - compile one chapter file with the official header and flags. */
#ifndef GRADER_BUILD_H
#define GRADER_BUILD_H

#include <stdbool.h>

#include "table.h"

enum build_flavour { BUILD_PLAIN, BUILD_TSAN };

struct build {
    bool ok;            /* a binary exists */
    bool warnings;      /* it compiled, with warnings */
    char *binary;       /* path of the program */
    char *problem;      /* when !ok: why, in one line */
    char *diagnostics;  /* the compiler's messages, as it printed them */
};

/* The contract's flags; tests and docs show the same line. */
#define CONTRACT_CFLAGS "-std=c17 -D_DEFAULT_SOURCE -O2 -pthread"
#define SOURCE_MAX_BYTES (256 * 1024)

void build_init(const char *include_dir);
/* Copies source (a regular file, not a link, not too large) into out_dir and compiles it
 * there, so nothing else in the student's folder is seen by the compiler. */
void build_program(const struct chapter *c, const char *source, const char *out_dir,
                   enum build_flavour flavour, struct build *b);
void build_free(struct build *b);
char *find_program(const char *name); /* absolute path from PATH, or NULL */

#endif
