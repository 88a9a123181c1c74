/* variant: correct alternative - one MAP_SHARED arena for threads and processes alike (process-shared mutex and barrier in both), a switch with one loop per mode instead of an ops table, an atomic_flag test-and-set spinlock, explicit padding
 * expect-fail: 
 * expect-pass: exact workers racy race-mutex race-spin race-atomic race-sharded leaks usage warnings */
/* counter - WORKERS threads or processes each add 1 to a shared count INCREMENTS times. */
#include <sched.h>
#include <stdatomic.h>
#include "pcw.h"

#define MAX_WORKERS 256

enum { RACY, MUTEX, SPIN, ATOMIC, SHARDED };

struct padded {
    volatile long long n; /* volatile: one real increment per pass, as in the other modes */
    char pad[64 - sizeof(long long)];
};

struct arena { /* mapped MAP_SHARED even for threads: sharing more than needed is harmless */
    pthread_barrier_t start;
    pthread_mutex_t mutex;
    atomic_flag spin;
    volatile long long racy;
    long long locked;
    atomic_llong atomic;
    _Alignas(64) struct padded slot[MAX_WORKERS];
    double began[MAX_WORKERS], ended[MAX_WORKERS];
};

static struct arena *arena;
static int mode;
static long long increments;

static void run_worker(int me)
{
    struct arena *a = arena;
    Pthread_barrier_wait(&a->start);
    a->began[me] = now_seconds();
    switch (mode) {
    case RACY:
        for (long long i = 0; i < increments; i++)
            a->racy++;
        break;
    case MUTEX:
        for (long long i = 0; i < increments; i++) {
            Pthread_mutex_lock(&a->mutex);
            a->locked++;
            Pthread_mutex_unlock(&a->mutex);
        }
        break;
    case SPIN:
        for (long long i = 0; i < increments; i++) {
            while (atomic_flag_test_and_set_explicit(&a->spin, memory_order_acquire))
                sched_yield();
            a->locked++;
            atomic_flag_clear_explicit(&a->spin, memory_order_release);
        }
        break;
    case ATOMIC:
        for (long long i = 0; i < increments; i++)
            atomic_fetch_add_explicit(&a->atomic, 1, memory_order_relaxed);
        break;
    case SHARDED:
        for (long long i = 0; i < increments; i++)
            a->slot[me].n++;
        break;
    }
    a->ended[me] = now_seconds();
}

static void *thread_main(void *arg)
{
    run_worker((int)(intptr_t)arg);
    return NULL;
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-x threads|processes] [-t WORKERS] [-n INCREMENTS] [-m MODE]");
    static const char *const kinds[] = { "threads", "processes", NULL };
    static const char *const names[] = { "racy", "mutex", "spin", "atomic", "sharded", NULL };
    int processes = 0, workers = 4, opt;
    mode = MUTEX;
    increments = 1000000;
    while ((opt = getopt(argc, argv, ":x:t:n:m:")) != -1) {
        switch (opt) {
        case 'x': processes = parse_choice("-x", optarg, kinds); break;
        case 't': workers = (int)parse_ll("-t WORKERS", optarg, 1, MAX_WORKERS); break;
        case 'n': increments = parse_ll("-n INCREMENTS", optarg, 1, 1000000000); break;
        case 'm': mode = parse_choice("-m MODE", optarg, names); break;
        default: bad_option(opt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    arena = Mmap_shared(sizeof *arena);
    Pthread_mutex_init_shared(&arena->mutex);
    Pthread_barrier_init_shared(&arena->start, (unsigned)workers + 1);
    atomic_flag_clear(&arena->spin);

    pthread_t *tids = Calloc((size_t)workers, sizeof *tids);
    pid_t *pids = Calloc((size_t)workers, sizeof *pids);
    fflush(stdout);
    for (int i = 0; i < workers; i++) {
        if (processes) {
            if ((pids[i] = Fork()) == 0) {
                run_worker(i);
                _exit(0);
            }
        } else {
            Pthread_create(&tids[i], NULL, thread_main, (void *)(intptr_t)i);
        }
    }
    Pthread_barrier_wait(&arena->start);
    int failed = 0;
    for (int i = 0; i < workers; i++) {
        if (processes) {
            int status;
            Waitpid(pids[i], &status, 0);
            failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        } else {
            Pthread_join(tids[i], NULL);
        }
    }
    if (failed)
        die("a worker process failed");

    long long got;
    switch (mode) {
    case RACY: got = arena->racy; break;
    case ATOMIC: got = atomic_load(&arena->atomic); break;
    case SHARDED:
        got = 0;
        for (int i = 0; i < workers; i++)
            got += arena->slot[i].n;
        break;
    default: got = arena->locked; break;
    }
    double first = arena->began[0], last = arena->ended[0];
    for (int i = 1; i < workers; i++) {
        if (arena->began[i] < first)
            first = arena->began[i];
        if (arena->ended[i] > last)
            last = arena->ended[i];
    }
    long long want = (long long)workers * increments;
    printf("counter = %lld (expected %lld)\n", got, want);
    fprintf(stderr, "counter: %s %s: %.3f s, %.2f ns per increment\n", names[mode], kinds[processes],
            last - first, (last - first) * 1e9 / (double)want);

    Pthread_barrier_destroy(&arena->start);
    Pthread_mutex_destroy(&arena->mutex);
    Munmap(arena, sizeof *arena);
    free(tids);
    free(pids);
    return got == want ? 0 : 1;
}
