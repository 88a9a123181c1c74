/* variant: threads add I*I to one shared total with a plain += and no lock, not to own slots
 * expect-fail: race
 * expect-pass: lines last threads usage warnings leaks */
/* hello - start T threads that share one array; main joins them and sums. */
#include "pcw.h"

#define MAX_THREADS 1024

struct slot {
    pthread_t tid;
    int id;      /* 1..T */
    int threads; /* T */
};

static long long total; /* shared by all threads */

static void *say_hello(void *arg)
{
    struct slot *me = arg;
    printf("hello from thread %d of %d\n", me->id, me->threads);
    total += (long long)me->id * me->id; /* read, add, write back: not atomic */
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
    /* Joining is what makes the threads' writes to squares[] visible here. */
    for (int i = 0; i < threads; i++)
        Pthread_join(slots[i].tid, NULL);

    long long sum = total;
    printf("main: joined %d threads, sum of squares = %lld\n", threads, sum);
    free(slots);
    return 0;
}
