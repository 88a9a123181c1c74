/* variant: prints the right lines, but leaves a child in a new session that sleeps forever
 * expect-fail: threads
 * expect-pass: lines last */
#define _GNU_SOURCE
#include "pcw.h"

static long long squares[1025];

static void *say_hello(void *arg)
{
    long id = (long)arg;
    printf("hello from thread %ld of ?\n", id);
    squares[id] = id * id;
    return NULL;
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-t THREADS]");
    int threads = 4, opt;
    while ((opt = getopt(argc, argv, ":t:")) != -1)
        threads = (int)parse_ll("-t", optarg, 1, 1024);
    if (Fork() == 0) {
        setsid();
        if (Fork() == 0) {
            for (;;)
                pause();
        }
        _exit(0);
    }
    long long sum = 0;
    for (int i = 1; i <= threads; i++) {
        printf("hello from thread %d of %d\n", i, threads);
        sum += (long long)i * i;
    }
    (void)say_hello;
    printf("main: joined %d threads, sum of squares = %lld\n", threads, sum);
    return 0;
}
