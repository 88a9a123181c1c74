/* variant: each thread writes through an uninitialised pointer and the process crashes
 * expect-fail: lines
 * expect-pass:
 * expect-message: lines: SIGSEGV */
#include "pcw.h"

static void *say_hello(void *arg)
{
    int *slot = arg; /* NULL: main forgot to pass a slot */
    printf("hello from thread %d of ?\n", *slot);
    return NULL;
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    pthread_t tid;
    Pthread_create(&tid, NULL, say_hello, NULL);
    Pthread_join(tid, NULL);
    return 0;
}
