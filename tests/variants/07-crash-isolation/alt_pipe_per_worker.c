/* variant: one pipe per worker read in worker order, waitpid per pid, a mutex+condvar finish gate instead of a barrier, no ops table
 * expect-fail: 
 * expect-pass: processes threads restart cores reaped usage warnings leaks */
#include "pcw.h"
#include <sys/resource.h>

#define MAX_WORKERS 64

static long long sum_of_squares(int n)
{
    long long s = 0;
    for (int i = 1; i <= n; i++)
        s += (long long)i * i;
    return s;
}

static void crash_now(void)
{
    volatile int *volatile p = NULL;
    *p = 1;
}

/* ---- threads: one child process, W threads, results over one pipe ---- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_open = PTHREAD_COND_INITIALIZER;
static int arrived, team_size, team_crasher, team_fd;

static void *member(void *arg)
{
    int id = (int)(intptr_t)arg;
    long long r[2] = {id, sum_of_squares(id)};
    if (id == team_crasher)
        crash_now();
    /* Nobody reports until all have finished, so a crash loses everyone. */
    Pthread_mutex_lock(&gate_lock);
    if (++arrived == team_size)
        Pthread_cond_broadcast(&gate_open);
    while (arrived < team_size)
        Pthread_cond_wait(&gate_open, &gate_lock);
    Pthread_mutex_unlock(&gate_lock);
    Write_all(team_fd, r, sizeof r);
    return NULL;
}

static int run_threads(int w, int crasher, long long *result, int *got, int *sig)
{
    int fds[2];
    Pipe(fds);
    pid_t pid = Fork();
    if (pid == 0) {
        Close(fds[0]);
        pthread_t tid[MAX_WORKERS];
        team_size = w;
        team_crasher = crasher;
        team_fd = fds[1];
        for (int i = 0; i < w; i++)
            Pthread_create(&tid[i], NULL, member, (void *)(intptr_t)(i + 1));
        for (int i = 0; i < w; i++)
            Pthread_join(tid[i], NULL);
        Close(fds[1]);
        _exit(0);
    }
    Close(fds[1]);
    long long r[2];
    int k = 0;
    while (Read_full(fds[0], r, sizeof r) == sizeof r) {
        result[r[0]] = r[1];
        got[r[0]] = 1;
        k++;
    }
    Close(fds[0]);
    int status;
    Waitpid(pid, &status, 0);
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return *sig ? w - k : 0;
}

/* ---- processes: a child and a pipe per worker ---- */

struct worker {
    pid_t pid;
    int rd;
};

static struct worker launch(int id, int fault, const struct worker *others, int n_others)
{
    int fds[2];
    Pipe(fds);
    pid_t pid = Fork();
    if (pid == 0) {
        for (int i = 0; i < n_others; i++)
            if (others[i].rd >= 0)
                Close(others[i].rd);
        Close(fds[0]);
        long long r = sum_of_squares(id);
        if (fault)
            crash_now();
        Write_all(fds[1], &r, sizeof r);
        Close(fds[1]);
        _exit(0);
    }
    Close(fds[1]);
    return (struct worker){pid, fds[0]};
}

static int run_processes(int w, int crasher, int restart, long long *result, int *got,
                         int *sig, int *restarted)
{
    struct worker wk[MAX_WORKERS + 1];
    for (int i = 0; i <= MAX_WORKERS; i++)
        wk[i].rd = -1;
    for (int i = 1; i <= w; i++)
        wk[i] = launch(i, i == crasher, wk, MAX_WORKERS + 1);
    int crashed = 0;
    for (int i = 1; i <= w; i++) {
        for (int attempt = 0;; attempt++) {
            got[i] = Read_full(wk[i].rd, &result[i], sizeof result[i]) == sizeof result[i];
            Close(wk[i].rd);
            wk[i].rd = -1;
            int status;
            Waitpid(wk[i].pid, &status, 0);
            if (!WIFSIGNALED(status))
                break;
            crashed++;
            *sig = WTERMSIG(status);
            if (!restart || attempt > 0)
                break;
            (*restarted)++;
            wk[i] = launch(i, 0, wk, MAX_WORKERS + 1);
        }
    }
    return crashed;
}

static const char *sig_name(int s)
{
    switch (s) {
    case 0: return "none";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    default: return "SIGUNKNOWN";
    }
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-x threads|processes] [-w WORKERS] [-c CRASHER] [-R]");
    static const char *const modes[] = {"threads", "processes", NULL};
    int mode = 0, w = 4, restart = 0, opt;
    const char *ctext = NULL;
    while ((opt = getopt(argc, argv, ":x:w:c:R")) != -1) {
        switch (opt) {
        case 'x': mode = parse_choice("-x", optarg, modes); break;
        case 'w': w = (int)parse_ll("-w WORKERS", optarg, 1, MAX_WORKERS); break;
        case 'c': ctext = optarg; break;
        case 'R': restart = 1; break;
        default: bad_option(opt);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    int crasher = ctext ? (int)parse_ll("-c CRASHER", ctext, 0, w) : 1;

    struct rlimit no_core = {0, 0};
    if (setrlimit(RLIMIT_CORE, &no_core) < 0)
        unix_error("setrlimit RLIMIT_CORE");

    long long result[MAX_WORKERS + 1] = {0};
    int got[MAX_WORKERS + 1] = {0};
    int sig = 0, restarted = 0, crashed;
    if (mode == 0)
        crashed = run_threads(w, crasher, result, got, &sig);
    else
        crashed = run_processes(w, crasher, restart, result, got, &sig, &restarted);

    int k = 0;
    for (int i = 1; i <= w; i++) {
        if (got[i]) {
            printf("worker %d: result %lld\n", i, result[i]);
            k++;
        }
    }
    printf("mode %s: %d of %d workers completed, crashed %d (%s), restarted %d\n", modes[mode],
           k, w, crashed, sig_name(sig), restarted);
    return 0;
}
