/* variant: one switch instead of an ops table, wait() instead of waitpid, memory from malloc + memset, and posix_spawnp of "true" from PATH instead of itself (counted by the programs it starts, as posix_spawnp is not interposed)
 * expect-fail: 
 * expect-pass: created reaped usage warnings leaks */
#include "pcw.h"

extern char **environ;

enum { THREAD, FORK, VFORK, SPAWN };

static void *thread_body(void *arg)
{
    return arg;
}

static void reap(pid_t pid)
{
    int status;
    pid_t got;
    while ((got = wait(&status)) < 0 && errno == EINTR)
        ;
    if (got < 0)
        unix_error("wait");
    if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("child %d: unexpected wait result (pid %d, status %#x)", (int)pid, (int)got, status);
}

static void spawn_once(int how)
{
    static char *true_argv[] = {"true", NULL};
    pthread_t t;
    pid_t pid;
    int rc;
    switch (how) {
    case THREAD:
        Pthread_create(&t, NULL, thread_body, NULL);
        Pthread_join(t, NULL);
        return;
    case FORK:
        if ((pid = Fork()) == 0)
            _exit(0);
        break;
    case VFORK:
        if ((pid = vfork()) == 0)
            _exit(0); /* the only thing a vfork child may do besides exec */
        if (pid < 0)
            unix_error("vfork");
        break;
    default:
        if ((rc = posix_spawnp(&pid, "true", NULL, NULL, true_argv, environ)) != 0)
            posix_error(rc, "posix_spawnp true");
        break;
    }
    reap(pid);
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-x thread|fork|vfork|posix_spawn] [-n COUNT] [-m MEGABYTES]");
    static const char *const names[] = {"thread", "fork", "vfork", "posix_spawn", NULL};
    int how = THREAD, opt;
    long long n = 1000, mb = 0;
    while ((opt = getopt(argc, argv, ":x:n:m:")) != -1) {
        if (opt == 'x')
            how = parse_choice("-x", optarg, names);
        else if (opt == 'n')
            n = parse_ll("-n COUNT", optarg, 1, 1000000);
        else if (opt == 'm')
            mb = parse_ll("-m MEGABYTES", optarg, 0, 65536);
        else
            bad_option(opt);
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    size_t bytes = (size_t)mb << 20;
    char *ballast = NULL;
    if (bytes) {
        ballast = malloc(bytes);
        if (!ballast)
            die("cannot allocate %lld MB for -m: %s", mb, strerror(errno));
        memset(ballast, 0x5a, bytes);
    }

    double t0 = now_seconds();
    for (long long i = 0; i < n; i++)
        spawn_once(how);
    double t = now_seconds() - t0;

    /* Reading the memory back keeps the compiler from dropping the memset. */
    long sum = 0;
    for (size_t off = 0; off < bytes; off += 1u << 20)
        sum += ((volatile char *)ballast)[off];
    fprintf(stderr, "%s: %.3f s (ballast check %ld)\n", pcw_progname, t, sum);
    printf("spawned %lld via %s: %.1f us per spawn+wait\n", n, names[how], t * 1e6 / (double)n);
    free(ballast);
    return 0;
}
