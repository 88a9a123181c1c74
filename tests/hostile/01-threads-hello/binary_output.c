/* variant: prints NUL bytes and invalid UTF-8 instead of hello lines
 * expect-fail: lines
 * expect-pass:
 * expect-message: lines: unexpected: 'hello' */
#include <stdio.h>

int main(void)
{
    static const char junk[] = "hello\0from\xff\xfe thread \x80\n";
    fwrite(junk, 1, sizeof junk - 1, stdout);
    return 0;
}
