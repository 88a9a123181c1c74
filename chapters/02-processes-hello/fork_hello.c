/* fork_hello - fork N children; each changes its own copy of x.
 * Your part: the TODOs. Build: make chapters; check: make grade CH=02. */
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
        /* TODO 1: fork a child. In the child only: set x = i, print
         *         "child I of N (pid C): x = I" with its own getpid(), fflush(stdout),
         *         and end with _exit(i) so it never runs the parent's loop. */
    }

    int status_sum = 0;
    /* TODO 2: reap all procs children (Waitpid), adding each child's exit status
     *         (WEXITSTATUS) to status_sum. */
    printf("parent %d: reaped %d children, exit status sum = %d, x = %d\n",
           (int)getpid(), procs, status_sum, x);
    return 0;
}
