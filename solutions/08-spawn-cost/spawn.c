/* spawn - the cost of starting and waiting for one thread or one process,
 * optionally from a parent that first fills MEGABYTES of its memory. */
#include "pcw.h"

/* posix_spawn runs this same program again; this argument tells the copy to
 * exit at once, so only the cost of starting a program is measured. */
#define EXIT_AT_ONCE "--pcw-spawned-child"

extern char **environ;

static char self_path[PATH_MAX];
static char *self_argv[] = {self_path, EXIT_AT_ONCE, NULL};

/* argv[0] may be a bare name found through PATH, or any name at all; Linux
 * keeps the running program's real path in the link /proc/self/exe. */
static void find_self(const char *argv0)
{
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path);
    if (n > 0 && (size_t)n < sizeof self_path) {
        self_path[n] = '\0';
        return;
    }
    /* No /proc (a bare sandbox): argv[0] still does if it is a path. */
    if (!strchr(argv0, '/') || strlen(argv0) >= sizeof self_path)
        die("cannot find my own program file: no /proc/self/exe, and argv[0] '%s' is no path",
            argv0);
    strcpy(self_path, argv0);
}

static void *nothing(void *arg)
{
    return arg;
}

static void wait_for_child(pid_t pid)
{
    int status;
    Waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("child %d did not exit with status 0 (wait status %#x)", (int)pid, status);
}

static void via_thread(void)
{
    pthread_t tid;
    Pthread_create(&tid, NULL, nothing, NULL);
    Pthread_join(tid, NULL);
}

/* fork copies the parent's page tables (the pages themselves are shared
 * copy-on-write), so its cost grows with the parent's memory. */
static void via_fork(void)
{
    pid_t pid = Fork();
    if (pid == 0)
        _exit(0);
    wait_for_child(pid);
}

/* The vfork child borrows the parent's memory and stack, and the parent
 * sleeps until the child calls _exit or exec. So the child may do nothing
 * else: no return from this function, no stores, no exit() flushing stdio.
 * vfork cannot hide in a wrapper either, as the child would return from it. */
static void via_vfork(void)
{
    pid_t pid = vfork();
    if (pid == 0)
        _exit(0);
    if (pid < 0)
        unix_error("vfork");
    wait_for_child(pid);
}

/* glibc's posix_spawn is vfork-like too, then it execs: a new program. */
static void via_posix_spawn(void)
{
    wait_for_child(Posix_spawn(self_path, self_argv, environ));
}

static const struct method {
    const char *name;
    void (*spawn_wait)(void);
} methods[] = {
    {"thread", via_thread},
    {"fork", via_fork},
    {"vfork", via_vfork},
    {"posix_spawn", via_posix_spawn},
};

/* Private memory, written page by page, so the parent really owns it. */
static char *touch_memory(long long megabytes, size_t *size)
{
    *size = (size_t)megabytes << 20;
    if (*size == 0)
        return NULL;
    char *mem = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        die("-m %lld: cannot map %lld MB: %s", megabytes, megabytes, strerror(errno));
    long page = sysconf(_SC_PAGESIZE);
    for (size_t off = 0; off < *size; off += (size_t)page)
        mem[off] = 1;
    return mem;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], EXIT_AT_ONCE) == 0)
        return 0;
    pcw_init(argv[0], "[-x thread|fork|vfork|posix_spawn] [-n COUNT] [-m MEGABYTES]");
    static const char *const names[] = {"thread", "fork", "vfork", "posix_spawn", NULL};
    int m = 0;
    long long count = 1000, megabytes = 0;
    int opt;
    while ((opt = getopt(argc, argv, ":x:n:m:")) != -1) {
        switch (opt) {
        case 'x': m = parse_choice("-x", optarg, names); break;
        case 'n': count = parse_ll("-n COUNT", optarg, 1, 1000000); break;
        case 'm': megabytes = parse_ll("-m MEGABYTES", optarg, 0, 65536); break;
        default: bad_option(opt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    const struct method *method = &methods[m];

    if (method->spawn_wait == via_posix_spawn)
        find_self(argv[0]);
    size_t size;
    char *mem = touch_memory(megabytes, &size);

    double start = now_seconds();
    for (long long i = 0; i < count; i++)
        method->spawn_wait();
    double elapsed = now_seconds() - start;

    printf("spawned %lld via %s: %.1f us per spawn+wait\n", count, method->name,
           elapsed * 1e6 / (double)count);
    fprintf(stderr, "%s: %lld x %s in %.3f s with %lld MB touched\n", pcw_progname, count,
            method->name, elapsed, megabytes);
    if (mem)
        Munmap(mem, size);
    return 0;
}
