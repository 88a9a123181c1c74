/* checks.h - what a test can find out about a program, and the helpers checks share.
 * A test's "kind" in the chapter table names one check function; generic kinds live in
 * checks.c, chapter-specific ones in chNN.c. */
#ifndef GRADER_CHECKS_H
#define GRADER_CHECKS_H

#include <stdbool.h>

#include "build.h"
#include "sandbox.h"
#include "table.h"
#include "util.h"

enum status { PASS, FAIL, SKIP };

struct verdict {
    enum status status;
    double score;
    char *expected; /* short, for people; may be NULL */
    char *found;
    char *note;     /* anything else worth saying: numbers, reasons for a skip */
    const char *blocked_by; /* not run: this earlier test failed first */
};

struct grading_options {
    bool race;      /* run the race and memory passes */
    bool speedup;   /* run the timed passes */
    int speedup_runs;
};

/* Everything a check may use for one chapter of one submission. */
struct grading {
    const struct chapter *chapter;
    const struct build *student;
    const struct build *reference;
    const char *source;        /* the student's file, for the tsan build */
    const char *work_dir;      /* the student's builds of this chapter */
    const char *reference_source;
    const char *reference_dir; /* the reference's builds, kept for the whole grading run */
    const char *run_dir;       /* the runs' working directory, emptied before each run */
    const char *probe_lib;     /* LD_PRELOAD library recording threads and forks */
    struct rng *rng;
    const struct grading_options *options;
    struct build tsan;         /* built on first use */
    bool tsan_tried;
    struct build reference_tsan;
    bool reference_tsan_tried;
};

typedef void check_fn(struct grading *g, const struct test *t, struct verdict *v);

struct check_entry {
    const char *kind;
    check_fn *run;
};

check_fn *find_check(const char *kind);
void validate_kinds(const struct table *t); /* every test's kind exists; exits 2 if not */

/* Running */
enum who { STUDENT, REFERENCE };
struct run_options {
    const char *input;
    size_t input_len;
    bool probe;              /* record threads and forks in events */
};
/* Runs the student's or reference program with args (NULL-terminated). */
void run_program(struct grading *g, enum who who, const struct test *t, char **args,
                 const struct run_options *o, struct run_result *r);
/* True (and v filled as FAIL) when the run did not end by itself normally. */
bool run_failed(const struct run_result *r, const struct test *t, struct verdict *v);

/* What the probe library saw: threads started and joined, children forked and reaped. */
struct events {
    int threads_started, threads_finished, joins;
    int forks;            /* fork() calls that made a child */
    int children;         /* distinct children that ran (from the child's side) */
    int reaps;            /* children reaped through wait/waitpid */
    long long *child_pids;
    long long *child_parents;
    int child_count;
    long long main_pid;
};
void read_events(struct grading *g, struct events *e);
void events_free(struct events *e);
/* Threads: exactly that many started and joined, no fork; processes: forked and reaped. */
bool expect_workers(const struct events *e, bool threads, int workers, const char *run,
                    struct verdict *v);

/* Arguments: a JSON list of strings; "${LO..HI}" becomes a random whole number. */
char **args_from_json(struct grading *g, json_t *list);
char **args_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void args_free(char **args);
char *args_text(char **args); /* "-t 5 -x threads", for messages */

/* Verdicts */
void verdict_pass(struct verdict *v, const struct test *t);
void verdict_fail(struct verdict *v, const char *expected, const char *found);
void verdict_failf(struct verdict *v, const char *expected, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void verdict_skip(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void add_note(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void verdict_free(struct verdict *v);

/* Compares lines as multisets; on a difference fills v and returns false. */
bool same_lines_any_order(char **expected, char **found, const char *what, struct verdict *v);

long long param_int(const struct test *t, const char *key, long long fallback);
double param_real(const struct test *t, const char *key, double fallback);

#endif
