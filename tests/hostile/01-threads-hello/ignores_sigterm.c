/* variant: ignores SIGTERM and sleeps forever
 * expect-fail: lines
 * expect-pass:
 * expect-message: lines: timed out */
#include <signal.h>
#include <unistd.h>

int main(void)
{
    signal(SIGTERM, SIG_IGN);
    for (;;)
        pause();
}
