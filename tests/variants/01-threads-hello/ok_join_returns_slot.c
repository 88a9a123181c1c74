/* variant: correct alternative - global T, &ids[I] args, threads return &squares[I] to join
 * expect-fail:
 * expect-pass: lines last threads usage warnings race leaks */
/* hello - T threads each fill their own slot; main collects the slots as it joins. */
#include "pcw.h"

#define MAX_THREADS 1024

static int nthreads;                      /* read-only once the threads run */
static int ids[MAX_THREADS + 1];          /* ids[I] == I: a stable address per thread */
static pthread_t tids[MAX_THREADS + 1];
static long long squares[MAX_THREADS + 1]; /* thread I writes only squares[I] */

static void *say_hello(void *arg)
{
    int id = *(const int *)arg;
    printf("hello from thread %d of %d\n", id, nthreads);
    squares[id] = (long long)id * id;
    return &squares[id];
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-t THREADS]");
    nthreads = 4;
    int opt;
    while ((opt = getopt(argc, argv, ":t:")) != -1) {
        switch (opt) {
        case 't':
            nthreads = (int)parse_ll("-t THREADS", optarg, 1, MAX_THREADS);
            break;
        default:
            bad_option(opt);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    for (int id = 1; id <= nthreads; id++) {
        ids[id] = id;
        Pthread_create(&tids[id], NULL, say_hello, &ids[id]);
    }
    /* The order of joins does not matter: after each one, that thread's slot is final. */
    long long sum = 0;
    for (int id = nthreads; id >= 1; id--) {
        void *slot;
        Pthread_join(tids[id], &slot);
        sum += *(long long *)slot;
    }
    printf("main: joined %d threads, sum of squares = %lld\n", nthreads, sum);
    return 0;
}
