/* variant: separate start/finish steps per method, a waitpid loop of its own (waitid would be invisible to the grader's probe, which counts reaps through wait/waitpid/wait3/wait4), posix_spawn of itself marked by an environment variable, memory touched through a volatile pointer
 * expect-fail: 
 * expect-pass: created reaped usage warnings leaks */
#include "pcw.h"

#define MARK "PCW_SPAWN_EXIT_AT_ONCE=1"

extern char **environ;

static char exe[PATH_MAX];
static char **child_env;

struct job {
    pthread_t tid;
    pid_t pid;
};

static void *idle(void *arg)
{
    return arg;
}

static void start_thread(struct job *j)
{
    Pthread_create(&j->tid, NULL, idle, NULL);
}

static void finish_thread(struct job *j)
{
    Pthread_join(j->tid, NULL);
}

static void start_fork(struct job *j)
{
    if ((j->pid = Fork()) == 0)
        _exit(0);
}

static void start_vfork(struct job *j)
{
    pid_t pid = vfork();
    if (pid == 0)
        _exit(0);
    if (pid < 0)
        unix_error("vfork");
    j->pid = pid;
}

static void start_spawn(struct job *j)
{
    char *args[] = {exe, NULL};
    j->pid = Posix_spawn(exe, args, child_env);
}

static void finish_child(struct job *j)
{
    int status;
    while (waitpid(j->pid, &status, 0) < 0)
        if (errno != EINTR)
            unix_error("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("child %d ended badly (wait status %#x)", (int)j->pid, status);
}

static const struct {
    const char *name;
    void (*start)(struct job *);
    void (*finish)(struct job *);
} way[] = {
    {"thread", start_thread, finish_thread},
    {"fork", start_fork, finish_child},
    {"vfork", start_vfork, finish_child},
    {"posix_spawn", start_spawn, finish_child},
};

int main(int argc, char **argv)
{
    if (getenv("PCW_SPAWN_EXIT_AT_ONCE"))
        return 0;
    pcw_init(argv[0], "[-x thread|fork|vfork|posix_spawn] [-n COUNT] [-m MEGABYTES]");
    static const char *const names[] = {"thread", "fork", "vfork", "posix_spawn", NULL};
    int w = 0, opt;
    long long count = 1000, mb = 0;
    while ((opt = getopt(argc, argv, ":x:n:m:")) != -1) {
        switch (opt) {
        case 'x': w = parse_choice("-x", optarg, names); break;
        case 'n': count = parse_ll("-n COUNT", optarg, 1, 1000000); break;
        case 'm': mb = parse_ll("-m MEGABYTES", optarg, 0, 65536); break;
        default: bad_option(opt);
        }
    }
    if (argv[optind])
        usage_error("unexpected argument '%s'", argv[optind]);

    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len < 0)
        unix_error("readlink /proc/self/exe");
    exe[len] = '\0';
    size_t n_env = 0;
    while (environ[n_env])
        n_env++;
    child_env = Calloc(n_env + 2, sizeof *child_env);
    memcpy(child_env, environ, n_env * sizeof *child_env);
    child_env[n_env] = MARK;

    size_t size = (size_t)mb * 1024 * 1024;
    volatile char *mem = NULL;
    if (size) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            die("-m %lld: %s", mb, strerror(errno));
        mem = p;
        for (size_t i = 0; i < size; i += 4096)
            mem[i] = (char)i;
    }

    struct job job;
    double begin = now_seconds();
    for (long long i = 0; i < count; i++) {
        way[w].start(&job);
        way[w].finish(&job);
    }
    double us = (now_seconds() - begin) * 1e6 / (double)count;
    printf("spawned %lld via %s: %.1f us per spawn+wait\n", count, way[w].name, us);
    if (mem)
        Munmap((void *)mem, size);
    free(child_env);
    return 0;
}
