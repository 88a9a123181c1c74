/* variant: no fflush before fork: every child inherits and prints the parent's buffered line
 * expect-fail: children
 * expect-pass: parent leaks */
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

    for (int i = 1; i <= procs; i++) {
        if (Fork() == 0) {
            x = i; /* the child's own copy: the parent's x stays 0 */
            printf("child %d of %d (pid %d): x = %d\n", i, procs, (int)getpid(), x);
            fflush(stdout);
            _exit(i);
        }
    }

    int status_sum = 0;
    for (int reaped = 0; reaped < procs; reaped++) {
        int status;
        Waitpid(-1, &status, 0);
        if (WIFEXITED(status))
            status_sum += WEXITSTATUS(status);
    }
    printf("parent %d: reaped %d children, exit status sum = %d, x = %d\n",
           (int)getpid(), procs, status_sum, x);
    return 0;
}
