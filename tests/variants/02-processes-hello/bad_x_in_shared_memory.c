/* variant: x lives in mmap(MAP_SHARED) memory, so the children's writes reach the parent's x
 * expect-fail: memory
 * expect-pass: parent children real reaped usage warnings leaks */
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

    int *x = Mmap_shared(sizeof *x); /* one x for everybody, parent and children */
    *x = 0;
    printf("parent %d: x = %d before fork\n", (int)getpid(), *x);
    /* Flush now, or every child would inherit and print the buffered line too. */
    fflush(stdout);

    for (int i = 1; i <= procs; i++) {
        if (Fork() == 0) {
            *x = i; /* meant as the child's own x */
            printf("child %d of %d (pid %d): x = %d\n", i, procs, (int)getpid(), i);
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
           (int)getpid(), procs, status_sum, *x);
    Munmap(x, sizeof *x);
    return 0;
}
