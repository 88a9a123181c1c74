/* variant: main sleeps 100 ms instead of joining; each thread works 500 ms before storing
 * expect-fail: last threads
 * expect-pass: lines usage warnings */
/* hello - start T threads that share one array; main joins them and sums. */
#include "pcw.h"

#include <unistd.h>

#define MAX_THREADS 1024

struct slot {
    pthread_t tid;
    int id;      /* 1..T */
    int threads; /* T */
};

static long long squares[MAX_THREADS + 1]; /* shared: thread I writes only squares[I] */

static void *say_hello(void *arg)
{
    struct slot *me = arg;
    printf("hello from thread %d of %d\n", me->id, me->threads);
    usleep(500000); /* the thread's "real work" */
    squares[me->id] = (long long)me->id * me->id;
    return NULL;
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-t THREADS]");
    int threads = 4;
    int opt;
    while ((opt = getopt(argc, argv, ":t:")) != -1) {
        if (opt == 't')
            threads = (int)parse_ll("-t THREADS", optarg, 1, MAX_THREADS);
        else
            bad_option(opt);
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    struct slot *slots = Calloc((size_t)threads, sizeof *slots);
    for (int i = 0; i < threads; i++) {
        slots[i].id = i + 1;
        slots[i].threads = threads;
        Pthread_create(&slots[i].tid, NULL, say_hello, &slots[i]);
    }
    usleep(100000); /* surely long enough for them to finish */

    long long sum = 0;
    for (int i = 1; i <= threads; i++)
        sum += squares[i];
    printf("main: joined %d threads, sum of squares = %lld\n", threads, sum);
    free(slots);
    return 0;
}
