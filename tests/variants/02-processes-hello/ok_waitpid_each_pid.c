/* variant: correct alternative - waitpid each saved pid in order; child uses write(2)
 * expect-fail:
 * expect-pass: parent children real memory reaped usage warnings leaks */
/* fork_hello - N children, each with its own x; the parent waits for them one pid at a time. */
#include "pcw.h"

#include <stdnoreturn.h>

#define MAX_PROCS 255

static int x; /* a global is copied by fork just like a local */

static noreturn void child(int i, int procs)
{
    x = i;
    char line[96];
    int n = snprintf(line, sizeof line, "child %d of %d (pid %d): x = %d\n", i, procs,
                     (int)getpid(), x);
    Write_all(STDOUT_FILENO, line, (size_t)n);
    _exit(i); /* not exit: the parent's stdio buffers and atexit work are not the child's */
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-p PROCS]");
    int procs = 4;
    int opt;
    while ((opt = getopt(argc, argv, ":p:")) != -1) {
        switch (opt) {
        case 'p':
            procs = (int)parse_ll("-p PROCS", optarg, 1, MAX_PROCS);
            break;
        default:
            bad_option(opt);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    printf("parent %d: x = %d before fork\n", (int)getpid(), x);
    fflush(stdout); /* empty the buffer the children would inherit */

    pid_t pids[MAX_PROCS + 1];
    for (int i = 1; i <= procs; i++) {
        pids[i] = Fork();
        if (pids[i] == 0)
            child(i, procs);
    }

    int status_sum = 0;
    for (int i = 1; i <= procs; i++) {
        int status;
        Waitpid(pids[i], &status, 0);
        if (WIFEXITED(status))
            status_sum += WEXITSTATUS(status);
    }
    printf("parent %d: reaped %d children, exit status sum = %d, x = %d\n",
           (int)getpid(), procs, status_sum, x);
    return 0;
}
