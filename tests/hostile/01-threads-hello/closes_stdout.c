/* variant: closes stdout first, so nothing it prints arrives
 * expect-fail: lines
 * expect-pass: */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    close(1);
    printf("hello from thread 1 of 4\n");
    return 0;
}
