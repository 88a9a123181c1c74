/* sandbox.h - run an untrusted program with limits, and clean up after it. */
#ifndef GRADER_SANDBOX_H
#define GRADER_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

struct limits {
    double wall_s;  /* wall clock, then SIGKILL of everything the run started */
    double cpu_s;   /* CPU seconds per process (RLIMIT_CPU) */
    long mem_mb;    /* address space per process (RLIMIT_AS); 0 = unlimited */
    long procs;     /* processes and threads the run may have at once */
    long output_kb; /* stdout and stderr together, then killed */
    long file_mb;   /* largest file it may write (RLIMIT_FSIZE) */
};

struct run_spec {
    char *const *argv;   /* argv[0] is a path */
    char *const *env;    /* extra "NAME=value" entries, NULL-terminated, or NULL */
    const char *input;   /* standard input; NULL for none */
    size_t input_len;
    const char *dir;     /* working directory, writable by the run */
    struct limits limits;
    /* Called once, watch_after_s into the run, with the program's pid: a check that must
     * look at the running program (its processes, their CPU time). Returning true ends
     * the run there (SIGKILL), reported as stopped_early. */
    bool (*watch)(pid_t pid, void *context);
    void *watch_context;
    double watch_after_s;
};

struct run_result {
    bool started;      /* false: could not run; see failure */
    bool exited;       /* exit_code is valid */
    int exit_code;
    bool signaled;     /* term_signal is valid */
    int term_signal;
    bool timed_out;
    bool output_limited;
    bool stopped_early;  /* the watch callback ended it */
    struct buf out, err;
    double wall_s, cpu_s;
    int strays;        /* processes still running or unreaped when the program ended */
    char failure[256];
};

void sandbox_init(void); /* once, before any run: makes the grader a subreaper */
void run_sandboxed(const struct run_spec *spec, struct run_result *result);
void run_result_free(struct run_result *result);
/* "exit 3", "killed by SIGSEGV", "timed out after 5 s" ... */
char *describe_ending(const struct run_result *result, const struct limits *limits);
void sandbox_kill_current(void); /* from a signal handler: the running program dies */
bool sandbox_drops_privileges(void); /* running as root: programs run as an unprivileged user */
bool sandbox_network_isolated(void);
void prepare_run_dir(const char *dir); /* empty, and writable by the programs run in it */
void lend(const char *path);           /* writable by the programs for a while */
void hand_back(const char *path);      /* back to root, out of the programs' reach */

#endif
