/* variant: allocates and touches memory until something stops it
 * expect-fail: lines
 * expect-pass: */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    for (;;) {
        char *p = malloc(64 << 20);
        if (!p)
            return 3;
        memset(p, 1, 64 << 20);
    }
}
