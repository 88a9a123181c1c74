/* variant: results come back through a MAP_SHARED array of slots (written after a barrier in threads mode), read by the parent only after it reaped everyone; workers reaped by pid in a fixed order
 * expect-fail: 
 * expect-pass: processes threads restart cores reaped usage warnings leaks */
#include "pcw.h"

#define MAX_WORKERS 64

struct slot {
    int done;
    long long result;
};

static struct slot *slots; /* shared with every child */
static int workers, crasher;
static pthread_barrier_t finish;

static long long work(int id)
{
    long long s = 0;
    for (int i = 1; i <= id; i++)
        s += (long long)i * i;
    return s;
}

static void fault(void)
{
    *(volatile int *volatile)NULL = 1;
}

static void *thread_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    long long r = work(id);
    if (id == crasher)
        fault();
    /* Results are published only when the whole team got here: a crash
     * before that leaves every slot empty, every time. */
    Pthread_barrier_wait(&finish);
    slots[id].result = r;
    slots[id].done = 1;
    return NULL;
}

static pid_t spawn_process_worker(int id, int with_fault)
{
    pid_t pid = Fork();
    if (pid == 0) {
        long long r = work(id);
        if (with_fault)
            fault();
        slots[id].result = r;
        slots[id].done = 1;
        _exit(0);
    }
    return pid;
}

static const char *signame(int s)
{
    static const char *const known[] = {
        [SIGSEGV] = "SIGSEGV", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
        [SIGABRT] = "SIGABRT", [SIGKILL] = "SIGKILL", [SIGILL] = "SIGILL",
    };
    if (s == 0)
        return "none";
    if (s > 0 && s < (int)(sizeof known / sizeof known[0]) && known[s])
        return known[s];
    return "SIG?";
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-x threads|processes] [-w WORKERS] [-c CRASHER] [-R]");
    static const char *const names[] = {"threads", "processes", NULL};
    int processes = 0, restart = 0, opt;
    const char *crasher_arg = "1";
    workers = 4;
    while ((opt = getopt(argc, argv, ":x:w:c:R")) != -1) {
        if (opt == 'x')
            processes = parse_choice("-x", optarg, names);
        else if (opt == 'w')
            workers = (int)parse_ll("-w WORKERS", optarg, 1, MAX_WORKERS);
        else if (opt == 'c')
            crasher_arg = optarg;
        else if (opt == 'R')
            restart = 1;
        else
            bad_option(opt);
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    crasher = (int)parse_ll("-c CRASHER", crasher_arg, 0, workers);

    Setrlimit(RLIMIT_CORE, 0, 0); /* the crash is the experiment, not a bug */
    size_t size = (MAX_WORKERS + 1) * sizeof *slots;
    slots = Mmap_shared(size);

    int crashed = 0, sig = 0, restarted = 0, status;
    if (!processes) {
        pid_t pid = Fork();
        if (pid == 0) {
            pthread_t tid[MAX_WORKERS];
            Pthread_barrier_init(&finish, (unsigned)workers);
            for (int i = 0; i < workers; i++)
                Pthread_create(&tid[i], NULL, thread_main, (void *)(intptr_t)(i + 1));
            for (int i = 0; i < workers; i++)
                Pthread_join(tid[i], NULL);
            Pthread_barrier_destroy(&finish);
            _exit(0);
        }
        Waitpid(pid, &status, 0);
        if (WIFSIGNALED(status))
            sig = WTERMSIG(status);
    } else {
        pid_t pid[MAX_WORKERS + 1];
        for (int i = 1; i <= workers; i++)
            pid[i] = spawn_process_worker(i, i == crasher);
        for (int i = 1; i <= workers; i++) {
            Waitpid(pid[i], &status, 0);
            if (!WIFSIGNALED(status))
                continue;
            crashed++;
            sig = WTERMSIG(status);
            if (restart) {
                restarted++;
                Waitpid(spawn_process_worker(i, 0), &status, 0);
            }
        }
    }

    /* Every writer has been reaped, so the slots are final. */
    int completed = 0;
    for (int i = 1; i <= workers; i++) {
        if (slots[i].done) {
            printf("worker %d: result %lld\n", i, slots[i].result);
            completed++;
        }
    }
    if (!processes && sig)
        crashed = workers - completed;
    printf("mode %s: %d of %d workers completed, crashed %d (%s), restarted %d\n",
           names[processes], completed, workers, crashed, signame(sig), restarted);
    Munmap(slots, size);
    return 0;
}
