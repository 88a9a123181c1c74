/* table.h - the chapter table (chapters/chapters.json): what every chapter is and how it
 * is graded. The grader, the tests, the docs and the student runner all read it. */
#ifndef GRADER_TABLE_H
#define GRADER_TABLE_H

#include <jansson.h>
#include <stddef.h>

#include "sandbox.h"

struct test {
    const char *id;       /* short, stable: used by "requires" and by variant expectations */
    const char *name;     /* what it promises, for people */
    const char *kind;     /* which check runs it (see checks.c) */
    const char *hint;     /* shown when it fails */
    int points;
    const char **requires; /* ids of tests that must pass first; NULL-terminated */
    struct limits limits;
    json_t *params;       /* the test's own object, for kind-specific fields */
};

struct chapter {
    int number;
    const char *slug;    /* "threads-hello" */
    const char *dir;     /* "01-threads-hello" */
    const char *program; /* "hello": the file is PROG.c, the binary PROG */
    const char *title;
    const char *idea;    /* one line: what the chapter teaches */
    const char **hints;  /* NULL-terminated, shown one at a time */
    const char *link_flags; /* extra linker flags, e.g. "-lrt -lm" */
    struct limits limits;
    struct test *tests;
    size_t test_count;
    int max_points;
};

struct table {
    struct chapter *chapters;
    size_t count;
    json_t *root;
};

/* Loads and validates the table; on any error says where and exits 2. */
struct table *table_load(const char *path);
void table_free(struct table *t);
/* "3", "03", "pool-square-map" or "03-pool-square-map"; NULL when none matches. */
const struct chapter *table_find(const struct table *t, const char *name);
const struct test *chapter_test(const struct chapter *c, const char *id);

#endif
