/* ch05.c - 05-pipe-vs-queue: the student's queue under randomized stress (every message
 * whole, exactly once), with real producers and consumers, and blocking instead of
 * spinning when it is empty or full. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

static const char *const kinds[] = {"threads", "processes"};

/* One stress run; false (v filled) unless it printed the exact clean line and exit 0. */
static bool stress(struct grading *g, const struct test *t, const char *kind, int producers,
                   int consumers, long long messages, long long size, bool probe, struct verdict *v)
{
    char **args = args_printf("-k queue -x %s -p %d -c %d -m %lld -s %lld", kind, producers,
                              consumers, messages, size);
    struct run_options o = {.probe = probe};
    struct run_result r;
    run_program(g, STUDENT, t, args, &o, &r);
    char *shown = args_text(args);
    args_free(args);
    long long sent = producers * messages;
    char *want = xasprintf("sent %lld received %lld corrupt 0 lost 0\n", sent, sent);
    bool ok = !run_failed(&r, t, v);
    if (ok && (strcmp(r.out.data, want) != 0 || !r.exited || r.exit_code != 0)) {
        char *out = shorten(r.out.data, r.out.len, 160);
        char *expected = xasprintf("'%.*s' and exit status 0 for 'channel %s'",
                                   (int)strlen(want) - 1, want, shown);
        verdict_failf(v, expected, "'%s', exit status %d", out, r.exit_code);
        free(out), free(expected);
        ok = false;
    } else if (!ok) {
        char *note = xasprintf("that was 'channel %s'", shown);
        add_note(v, "%s", note);
        free(note);
    }
    free(want), free(shown);
    run_result_free(&r);
    return ok;
}

static void check_queue_stress(struct grading *g, const struct test *t, struct verdict *v)
{
    for (int round = 0; round < param_int(t, "rounds", 3); round++)
        for (int k = 0; k < 2; k++) {
            /* Sizes on both sides of PIPE_BUF, where a raw pipe starts to tear. */
            long long size = round % 2 ? rng_range(g->rng, 4097, 20000) : rng_range(g->rng, 16, 4096);
            /* Big messages go to several consumers: closing must wake them all. */
            int producers = (int)rng_range(g->rng, 1, 6);
            int consumers = (int)rng_range(g->rng, size > 4096 ? 3 : 1, 4);
            long long messages = rng_range(g->rng, 200, size > 4096 ? 600 : 3000);
            if (!stress(g, t, kinds[k], producers, consumers, messages, size, false, v))
                return;
        }
    verdict_pass(v, t);
}

static void check_queue_workers(struct grading *g, const struct test *t, struct verdict *v)
{
    for (int k = 0; k < 2; k++) {
        int producers = (int)rng_range(g->rng, 1, 4), consumers = (int)rng_range(g->rng, 1, 4);
        if (!stress(g, t, kinds[k], producers, consumers, 100, 64, true, v))
            return;
        struct events e;
        read_events(g, &e);
        char *run = xasprintf("-x %s -p %d -c %d", kinds[k], producers, consumers);
        bool ok = expect_workers(&e, k == 0, producers + consumers, run, v);
        free(run);
        events_free(&e);
        if (!ok)
            return;
    }
    verdict_pass(v, t);
}

/* ---- no busy-waiting: stop one side, the other must sleep ---- */

struct blocking_watch {
    int children;
    char problem[512];
};

static long long cpu_ticks(pid_t pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *p = strrchr(text, ')');
    unsigned long long user, sys;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &user, &sys) != 2)
        return -1;
    return (long long)(user + sys);
}

static int children_of(pid_t parent, pid_t *out, int max)
{
    DIR *proc = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (proc && (e = readdir(proc))) {
        char path[300], text[1024];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        size_t len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[len] = '\0';
        char *p = strrchr(text, ')');
        int ppid;
        if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == parent && n < max)
            out[n++] = (pid_t)atoi(e->d_name);
    }
    if (proc)
        closedir(proc);
    return n;
}

/* With one producer and one consumer process: stop each in turn for a while; the other
 * waits on a full or empty queue and must not use the CPU meanwhile. */
static bool watch_blocking(pid_t main_pid, void *context)
{
    struct blocking_watch *w = context;
    pid_t kids[8];
    w->children = children_of(main_pid, kids, 8);
    if (w->children != 2) {
        snprintf(w->problem, sizeof w->problem, "%d child processes for -p 1 -c 1 (expected 2)",
                 w->children);
        return true;
    }
    long hz = sysconf(_SC_CLK_TCK);
    for (int stopped = 0; stopped < 2 && !w->problem[0]; stopped++) {
        pid_t other = kids[1 - stopped];
        kill(kids[stopped], SIGSTOP);
        usleep(100000); /* let the other side run into the empty or full queue */
        long long before = cpu_ticks(other), main_before = cpu_ticks(main_pid);
        usleep(400000);
        long long used = cpu_ticks(other) - before, main_used = cpu_ticks(main_pid) - main_before;
        kill(kids[stopped], SIGCONT);
        if (before >= 0 && used > hz / 20)
            snprintf(w->problem, sizeof w->problem, "with one of the two processes stopped, the "
                     "other used %.0f ms of CPU in 400 ms waiting for it: it polls the queue "
                     "instead of sleeping", 1000.0 * (double)used / (double)hz);
        else if (main_before >= 0 && main_used > hz / 20)
            snprintf(w->problem, sizeof w->problem, "main used %.0f ms of CPU in 400 ms while "
                     "the workers were stalled", 1000.0 * (double)main_used / (double)hz);
    }
    return true;
}

static void check_queue_blocks(struct grading *g, const struct test *t, struct verdict *v)
{
    /* Long enough to still be running when the watch looks (it is stopped there). */
    char **args = args_printf("-k queue -x processes -p 1 -c 1 -m 10000000 -s 64");
    char *argv[16] = {(char *)g->student->binary};
    for (int i = 0; args[i] && i < 14; i++)
        argv[i + 1] = args[i];
    struct blocking_watch w = {0};
    prepare_run_dir(g->run_dir);
    struct run_spec spec = {.argv = argv, .dir = g->run_dir, .limits = t->limits,
                            .watch = watch_blocking, .watch_context = &w,
                            .watch_after_s = param_real(t, "after_s", 0.3)};
    struct run_result r;
    run_sandboxed(&spec, &r);
    const char *expected = "a consumer waiting on an empty queue, or a producer on a full one, "
                           "sleeps (condition variable or semaphore) and uses no CPU";
    if (!r.stopped_early)
        verdict_failf(v, expected, "the run ended before it could be watched (%s)",
                      r.exited ? "it finished 10 000 000 messages in under 0.3 s?" : "it failed");
    else if (w.problem[0])
        verdict_fail(v, expected, w.problem);
    else
        verdict_pass(v, t);
    run_result_free(&r);
    args_free(args);
}

const struct check_entry ch05_checks[] = {
    {"queue_stress", check_queue_stress},
    {"queue_workers", check_queue_workers},
    {"queue_blocks", check_queue_blocks},
    {NULL, NULL},
};
