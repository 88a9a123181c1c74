/* variant: a thread never returns, so main waits in pthread_join forever
 * expect-fail: lines
 * expect-pass:
 * expect-message: lines: timed out */
#include "pcw.h"

static void *spin(void *arg)
{
    (void)arg;
    for (volatile int forever = 1; forever;)
        ;
    return NULL;
}

int main(void)
{
    pthread_t tid;
    Pthread_create(&tid, NULL, spin, NULL);
    Pthread_join(tid, NULL);
    return 0;
}
