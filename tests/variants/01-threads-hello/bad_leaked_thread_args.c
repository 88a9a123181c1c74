/* variant: main mallocs each thread's argument (its number I) and nobody ever frees it
 * expect-fail: leaks
 * expect-pass: lines last threads usage warnings race */
/* hello - start T threads that share one array; main joins them and sums. */
#include "pcw.h"

#define MAX_THREADS 1024

struct slot {
    pthread_t tid;
    int id;      /* 1..T */
    int threads; /* T */
};

static long long squares[MAX_THREADS + 1]; /* shared: thread I writes only squares[I] */
static int nthreads;                       /* T, set before any thread starts */

static void *say_hello(void *arg)
{
    int id = *(int *)arg; /* forgets free(arg) */
    printf("hello from thread %d of %d\n", id, nthreads);
    squares[id] = (long long)id * id;
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
    nthreads = threads;
    for (int i = 0; i < threads; i++) {
        int *id = Malloc(sizeof *id); /* its own copy of I, never freed */
        *id = i + 1;
        Pthread_create(&slots[i].tid, NULL, say_hello, id);
    }
    /* Joining is what makes the threads' writes to squares[] visible here. */
    for (int i = 0; i < threads; i++)
        Pthread_join(slots[i].tid, NULL);

    long long sum = 0;
    for (int i = 1; i <= threads; i++)
        sum += squares[i];
    printf("main: joined %d threads, sum of squares = %lld\n", threads, sum);
    free(slots);
    return 0;
}
