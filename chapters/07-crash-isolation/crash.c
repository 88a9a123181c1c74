/* crash - one worker dereferences NULL: as a thread it takes the whole
 * process down with it; as a process it dies alone and can be restarted.
 *
 * Starter: the threads mode and the supervising parent are done; the
 * processes mode is yours (TODO 1-3). */
#include "pcw.h"

#define MAX_WORKERS 64

/* One pipe write per result. It is smaller than PIPE_BUF, so writes from
 * many workers never interleave, and all of them fit in the pipe's buffer. */
struct record {
    long long worker; /* no padding: every byte written is defined */
    long long result;
};

struct run {
    int workers, crasher, restart;
    int fds[2];                    /* results: workers write fds[1], parent reads fds[0] */
    int live;                      /* children not yet reaped */
    pid_t pid[MAX_WORKERS + 1];    /* pid[I]: the process worker I runs in */
    int restarted_once[MAX_WORKERS + 1];
    int crashed, signo, restarted;
};

static void crash_now(void)
{
    volatile int *volatile nowhere = NULL; /* volatile: the compiler must keep the store */
    *nowhere = 1;
}

static long long sum_of_squares(int n)
{
    long long sum = 0;
    for (int i = 1; i <= n; i++)
        sum += (long long)i * i;
    return sum;
}

static void send_result(int fd, int worker, long long result)
{
    struct record rec = {.worker = worker, .result = result};
    Write_all(fd, &rec, sizeof rec);
}

/* Threads: one child process runs every worker as a thread. */

struct team {
    int fd, crasher;
    pthread_barrier_t finish;
};

struct member {
    pthread_t tid;
    int id;
    struct team *team;
};

/* A worker reports only after every worker, the crasher too, has reached the
 * finish line. Without it, fast workers could report before the SIGSEGV lands,
 * and K would change from run to run. With it the outcome is certain: the
 * crasher never arrives, and its fault kills the whole process, every waiting
 * thread included, before anyone has sent a result. */
static void *thread_worker(void *arg)
{
    struct member *me = arg;
    long long result = sum_of_squares(me->id);
    if (me->id == me->team->crasher)
        crash_now();
    Pthread_barrier_wait(&me->team->finish);
    send_result(me->team->fd, me->id, result);
    return NULL;
}

static void run_team(int workers, int crasher, int fd)
{
    struct team team = {.fd = fd, .crasher = crasher};
    struct member *members = Calloc((size_t)workers, sizeof *members);
    Pthread_barrier_init(&team.finish, (unsigned)workers);
    for (int i = 0; i < workers; i++) {
        members[i].id = i + 1;
        members[i].team = &team;
        Pthread_create(&members[i].tid, NULL, thread_worker, &members[i]);
    }
    for (int i = 0; i < workers; i++)
        Pthread_join(members[i].tid, NULL);
    Pthread_barrier_destroy(&team.finish);
    free(members);
}

static void start_threads(struct run *r)
{
    pid_t pid = Fork();
    if (pid == 0) {
        Close(r->fds[0]);
        run_team(r->workers, r->crasher, r->fds[1]);
        Close(r->fds[1]);
        _exit(0);
    }
    for (int i = 1; i <= r->workers; i++)
        r->pid[i] = pid;
    r->live = 1;
}

static void reaped_threads(struct run *r, pid_t pid, int status)
{
    (void)pid;
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fprintf(stderr, "%s: worker process exited with status %d\n", pcw_progname,
                WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        r->signo = WTERMSIG(status); /* main counts the workers it took down */
}

/* Processes: each worker is a child of its own. */

static pid_t start_worker(struct run *r, int id, int fault)
{
    /* TODO 1: run worker `id` in a child process of its own and return the
     * child's pid. The child closes the pipe end it does not use, computes
     * sum_of_squares(id), calls crash_now() first when `fault` is set, sends
     * its result with send_result, and leaves with _exit(0): it must never
     * return into the parent's code. Until then no worker starts (-1). */
    (void)r;
    (void)id;
    (void)fault;
    return -1;
}

static void start_processes(struct run *r)
{
    r->live = 0;
    for (int i = 1; i <= r->workers; i++) {
        r->pid[i] = start_worker(r, i, i == r->crasher);
        if (r->pid[i] > 0) /* -1: not started (TODO 1) */
            r->live++;
    }
}

static void reaped_processes(struct run *r, pid_t pid, int status)
{
    int id = 1;
    while (id <= r->workers && r->pid[id] != pid)
        id++;
    if (id > r->workers)
        die("reaped pid %d, which is no worker", (int)pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fprintf(stderr, "%s: worker %d exited with status %d\n", pcw_progname, id,
                WEXITSTATUS(status));
    /* TODO 2: a worker killed by a signal crashed. Count it in r->crashed
     * and keep the signal's number in r->signo (wait(2) has the macros that
     * take `status` apart). */

    /* TODO 3: with -R (r->restart), start a crashed worker again, without
     * the fault, but only once per worker (r->restarted_once[id]). The new
     * child replaces the old one in r->pid[id], is one more child for main's
     * reap loop (r->live), and one more restart to report (r->restarted). */
}

enum { THREADS, PROCESSES };

static const struct mode {
    const char *name;
    void (*start)(struct run *);
    void (*reaped)(struct run *, pid_t, int status);
} modes[] = {
    [THREADS] = {"threads", start_threads, reaped_threads},
    [PROCESSES] = {"processes", start_processes, reaped_processes},
};

static const char *signal_name(int sig)
{
    static const struct {
        int sig;
        const char *name;
    } names[] = {
        {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGILL, "SIGILL"},
        {SIGABRT, "SIGABRT"}, {SIGKILL, "SIGKILL"}, {SIGTERM, "SIGTERM"}, {SIGPIPE, "SIGPIPE"},
    };
    static char other[32];
    if (sig == 0)
        return "none";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig)
            return names[i].name;
    snprintf(other, sizeof other, "signal %d", sig);
    return other;
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-x threads|processes] [-w WORKERS] [-c CRASHER] [-R]");
    static const char *const mode_names[] = {"threads", "processes", NULL};
    struct run r = {.workers = 4, .crasher = 1};
    const char *crasher_text = NULL; /* checked once -w is known */
    int m = THREADS;
    int opt;
    while ((opt = getopt(argc, argv, ":x:w:c:R")) != -1) {
        switch (opt) {
        case 'x': m = parse_choice("-x", optarg, mode_names); break;
        case 'w': r.workers = (int)parse_ll("-w WORKERS", optarg, 1, MAX_WORKERS); break;
        case 'c': crasher_text = optarg; break;
        case 'R': r.restart = 1; break;
        default: bad_option(opt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    if (crasher_text)
        r.crasher = (int)parse_ll("-c CRASHER", crasher_text, 0, r.workers);
    const struct mode *mode = &modes[m];

    /* A crash would otherwise dump the dying process's memory into a core
     * file; here the crash is the expected result, not a bug to debug. */
    Setrlimit(RLIMIT_CORE, 0, 0);

    Pipe(r.fds);
    mode->start(&r);
    /* Reap first, read after: every result fits in the pipe at once, so no
     * worker can block on a full pipe while we wait for it. */
    while (r.live > 0) {
        int status;
        pid_t pid = Waitpid(-1, &status, 0);
        r.live--;
        mode->reaped(&r, pid, status);
    }
    /* Every writer is gone: once our own write end is closed, read sees EOF. */
    Close(r.fds[1]);

    long long result[MAX_WORKERS + 1] = {0};
    int received[MAX_WORKERS + 1] = {0};
    int completed = 0;
    struct record rec;
    size_t got;
    while ((got = Read_full(r.fds[0], &rec, sizeof rec)) == sizeof rec) {
        if (rec.worker < 1 || rec.worker > r.workers || received[rec.worker])
            die("bad result record for worker %lld", rec.worker);
        received[rec.worker] = 1;
        result[rec.worker] = rec.result;
        completed++;
    }
    if (got != 0)
        die("torn result record (%zu bytes)", got);
    Close(r.fds[0]);
    /* One signal killed the one process: every thread in it that had not
     * reported yet died with the crasher. */
    if (m == THREADS && r.signo)
        r.crashed = r.workers - completed;

    for (int i = 1; i <= r.workers; i++)
        if (received[i])
            printf("worker %d: result %lld\n", i, result[i]);
    printf("mode %s: %d of %d workers completed, crashed %d (%s), restarted %d\n", mode->name,
           completed, r.workers, r.crashed, signal_name(r.signo), r.restarted);
    return 0;
}
