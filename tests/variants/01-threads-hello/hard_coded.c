/* variant: prints the lines for the default 4 threads without starting any
 * expect-fail: lines
 * expect-pass: */
#include <stdio.h>

int main(void)
{
    for (int i = 1; i <= 4; i++)
        printf("hello from thread %d of 4\n", i);
    printf("main: joined 4 threads, sum of squares = 30\n");
    return 0;
}
