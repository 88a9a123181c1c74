/* variant: a fork bomb: every process forks forever
 * expect-fail: lines
 * expect-pass: */
#include <unistd.h>

int main(void)
{
    for (;;)
        fork();
}
