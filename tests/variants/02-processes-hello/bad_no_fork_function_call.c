/* variant: no fork - each "child" is a function call in the parent printing the parent's pid
 * expect-fail: real
 * expect-pass: parent children memory reaped usage warnings leaks */
/* fork_hello - fork N children; each changes its own copy of x. */
#include "pcw.h"

/* Looks like a child: its own x, its own line, its own "status". */
static int child(int i, int procs)
{
    int x = i;
    printf("child %d of %d (pid %d): x = %d\n", i, procs, (int)getpid(), x);
    return i;
}

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

    int status_sum = 0;
    for (int i = 1; i <= procs; i++)
        status_sum += child(i, procs);
    printf("parent %d: reaped %d children, exit status sum = %d, x = %d\n",
           (int)getpid(), procs, status_sum, x);
    return 0;
}
