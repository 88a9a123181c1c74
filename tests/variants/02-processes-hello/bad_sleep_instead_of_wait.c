/* variant: parent sleeps 300 ms instead of reaping, computes the status sum 1+...+N itself
 * expect-fail: reaped
 * expect-pass: parent children real memory usage warnings leaks */
/* fork_hello - fork N children; each changes its own copy of x. */
#include "pcw.h"

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-p PROCS]");
    int procs = 4;
    int opt;
    while ((opt = getopt(argc, argv, ":p:")) != -1) {
        if (opt == 'p')
            procs = (int)parse_ll("-p PROCS", optarg, 1, 255);
        else
            bad_option(opt);
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    int x = 0;
    printf("parent %d: x = %d before fork\n", (int)getpid(), x);
    /* Flush now, or every child would inherit and print the buffered line too. */
    fflush(stdout);

    for (int i = 1; i <= procs; i++) {
        if (Fork() == 0) {
            x = i; /* the child's own copy: the parent's x stays 0 */
            printf("child %d of %d (pid %d): x = %d\n", i, procs, (int)getpid(), x);
            fflush(stdout);
            _exit(i);
        }
    }

    usleep(300000); /* by now every child has printed and exited... but nobody waits */
    int status_sum = procs * (procs + 1) / 2;
    printf("parent %d: reaped %d children, exit status sum = %d, x = %d\n",
           (int)getpid(), procs, status_sum, x);
    return 0;
}
