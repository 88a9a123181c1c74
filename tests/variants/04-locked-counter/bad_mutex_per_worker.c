/* variant: every worker locks a mutex of its own, so the lock excludes nobody
 * expect-fail: exact
 * expect-pass: 
 * expect-message: exact: updates were lost */
/* counter - WORKERS threads or processes each add 1 to a shared count INCREMENTS times.
 *
 * Five ways to count, perfbook count/ style: each mode is an inc() and a read(),
 * and one harness starts the workers together, times them and checks the total. */
#include <sched.h>
#include <stdatomic.h>
#include "pcw.h"

#define MAX_WORKERS 256
#define CACHE_LINE 64

/* The count and its lock. Threads share the process's memory; forked processes
 * only share what is mapped MAP_SHARED (see main). */
struct counter {
    pthread_mutex_t mutex;
    pthread_mutex_t mine[MAX_WORKERS]; /* one per worker */
    atomic_int spin; /* 0 free, 1 held */
    /* volatile: each ++ really loads and stores; the compiler may not keep the
     * count in a register and merge many ++ into one add. */
    _Alignas(CACHE_LINE) volatile long long racy;
    _Alignas(CACHE_LINE) long long locked; /* only under mutex or spin */
    _Alignas(CACHE_LINE) atomic_llong atomic;
    /* One slot per worker, each on its own cache line: no two workers write one line. */
    struct {
        _Alignas(CACHE_LINE) long long n;
    } slot[MAX_WORKERS];
};

/* racy: a plain read-modify-write; two workers can read the same old value. */
static void racy_inc(struct counter *c, int me) { (void)me; c->racy++; }
static long long racy_read(struct counter *c, int workers) { (void)workers; return c->racy; }

static void mutex_inc(struct counter *c, int me)
{
    Pthread_mutex_lock(&c->mine[me]);
    c->locked++;
    Pthread_mutex_unlock(&c->mine[me]);
}

static long long locked_read(struct counter *c, int workers) { (void)workers; return c->locked; }

/* Test-and-test-and-set: swap in 1 until the old value was 0 (acquire: what the last
 * holder wrote is visible); while it is held, only read, and yield the CPU because
 * with more workers than CPUs the holder may be waiting for ours. */
static void spin_lock(atomic_int *lock)
{
    while (atomic_exchange_explicit(lock, 1, memory_order_acquire))
        while (atomic_load_explicit(lock, memory_order_relaxed))
            sched_yield();
}

static void spin_unlock(atomic_int *lock)
{
    atomic_store_explicit(lock, 0, memory_order_release); /* publishes our ++ */
}

static void spin_inc(struct counter *c, int me)
{
    (void)me;
    spin_lock(&c->spin);
    c->locked++;
    spin_unlock(&c->spin);
}

static void atomic_inc(struct counter *c, int me) { (void)me; atomic_fetch_add(&c->atomic, 1); }
static long long atomic_read(struct counter *c, int workers) { (void)workers; return atomic_load(&c->atomic); }

/* sharded: nobody else writes my slot, so no lock; main adds the slots after the join. */
static void sharded_inc(struct counter *c, int me) { c->slot[me].n++; }

static long long sharded_read(struct counter *c, int workers)
{
    long long sum = 0;
    for (int i = 0; i < workers; i++)
        sum += c->slot[i].n;
    return sum;
}

struct mode {
    void (*inc)(struct counter *c, int me);
    long long (*read)(struct counter *c, int workers);
};

static const char *const mode_names[] = { "racy", "mutex", "spin", "atomic", "sharded", NULL };
static const struct mode modes[] = {
    { racy_inc, racy_read },     { mutex_inc, locked_read },  { spin_inc, locked_read },
    { atomic_inc, atomic_read }, { sharded_inc, sharded_read },
};

/* The harness: a start line and a clock for every worker. */
struct gate {
    pthread_barrier_t start;
    double began[MAX_WORKERS], ended[MAX_WORKERS];
};

/* Set before any worker starts, read-only afterwards. */
static struct counter thread_counter; /* threads mode: ordinary memory */
static struct gate thread_gate;
static struct counter *counter;
static struct gate *gate;
static const struct mode *mode;
static long long increments;

static void count(int me)
{
    Pthread_barrier_wait(&gate->start); /* start together, so the workers overlap */
    gate->began[me] = now_seconds();
    for (long long i = 0; i < increments; i++)
        mode->inc(counter, me);
    gate->ended[me] = now_seconds();
}

static void *count_thread(void *arg)
{
    count((int)(intptr_t)arg);
    return NULL;
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-x threads|processes] [-t WORKERS] [-n INCREMENTS] [-m MODE]");
    static const char *const kinds[] = { "threads", "processes", NULL };
    int processes = 0, workers = 4, m = 1, opt;
    increments = 1000000;
    while ((opt = getopt(argc, argv, ":x:t:n:m:")) != -1) {
        switch (opt) {
        case 'x': processes = parse_choice("-x", optarg, kinds); break;
        case 't': workers = (int)parse_ll("-t WORKERS", optarg, 1, MAX_WORKERS); break;
        case 'n': increments = parse_ll("-n INCREMENTS", optarg, 1, 1000000000); break;
        case 'm': m = parse_choice("-m MODE", optarg, mode_names); break;
        default: bad_option(opt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    mode = &modes[m];

    if (processes) {
        gate = Mmap_shared(sizeof *gate);
        Pthread_barrier_init_shared(&gate->start, (unsigned)workers + 1);
    } else {
        gate = &thread_gate;
        Pthread_barrier_init(&gate->start, (unsigned)workers + 1);
    }
    /* A forked child gets a copy of ordinary memory, and its ++ would change only its
     * copy. MAP_SHARED pages are the same in parent and children, and a mutex in
     * them must be told that other processes will use it too. */
    if (processes) {
        counter = Mmap_shared(sizeof *counter);
        Pthread_mutex_init_shared(&counter->mutex);
        for (int i = 0; i < workers; i++)
            Pthread_mutex_init_shared(&counter->mine[i]);
    } else {
        counter = &thread_counter;
        Pthread_mutex_init(&counter->mutex, NULL);
        for (int i = 0; i < workers; i++)
            Pthread_mutex_init(&counter->mine[i], NULL);
    }

    pthread_t tids[MAX_WORKERS];
    pid_t pids[MAX_WORKERS];
    fflush(stdout);
    for (int i = 0; i < workers; i++) {
        if (!processes)
            Pthread_create(&tids[i], NULL, count_thread, (void *)(intptr_t)i);
        else if ((pids[i] = Fork()) == 0) {
            count(i);
            _exit(0);
        }
    }
    Pthread_barrier_wait(&gate->start);
    for (int i = 0; i < workers; i++) {
        if (!processes) {
            Pthread_join(tids[i], NULL);
        } else {
            int status;
            Waitpid(pids[i], &status, 0);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                die("worker %d (pid %d) failed", i, (int)pids[i]);
        }
    }
    /* From the first worker's start to the last one's end: main may not even run
     * between the barrier and the end on a busy machine, so it cannot time this itself. */
    double first = gate->began[0], last = gate->ended[0];
    for (int i = 1; i < workers; i++) {
        first = gate->began[i] < first ? gate->began[i] : first;
        last = gate->ended[i] > last ? gate->ended[i] : last;
    }
    double elapsed = last - first;

    long long got = mode->read(counter, workers);
    long long want = (long long)workers * increments;
    printf("counter = %lld (expected %lld)\n", got, want);
    fprintf(stderr, "counter: %s, %d %s x %lld: %.3f s, %.2f ns per increment\n", mode_names[m],
            workers, kinds[processes], increments, elapsed, elapsed * 1e9 / (double)want);

    Pthread_barrier_destroy(&gate->start);
    Pthread_mutex_destroy(&counter->mutex);
    for (int i = 0; i < workers; i++)
        Pthread_mutex_destroy(&counter->mine[i]);
    if (processes) {
        Munmap(counter, sizeof *counter);
        Munmap(gate, sizeof *gate);
    }
    return got == want ? 0 : 1;
}
