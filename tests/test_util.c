#include <string.h>

#include "tests.h"
#include "util.h"

START_TEST(split_lines_keeps_a_last_line_without_newline)
{
    size_t n;
    char **lines = split_lines("a\nbb\nccc", 8, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(lines[2], "ccc");
    ck_assert_ptr_null(lines[3]);
    free_lines(lines);
    lines = split_lines("a\n", 2, &n);
    ck_assert_uint_eq(n, 1);
    free_lines(lines);
    lines = split_lines("", 0, &n);
    ck_assert_uint_eq(n, 0);
    free_lines(lines);
}
END_TEST

START_TEST(shorten_escapes_unprintable_bytes_and_cuts)
{
    char *s = shorten("ok\0\xff\x80!", 6, 100);
    ck_assert_str_eq(s, "ok\\x00\\xff\\x80!");
    free(s);
    s = shorten("abcdefghij", 10, 4);
    ck_assert_str_eq(s, "abcd... (6 more bytes)");
    free(s);
}
END_TEST

START_TEST(rng_is_reproducible_and_in_range)
{
    struct rng a = {42}, b = {42};
    for (int i = 0; i < 1000; i++) {
        long long x = rng_range(&a, -3, 7);
        ck_assert_int_eq(x, rng_range(&b, -3, 7));
        ck_assert(x >= -3 && x <= 7);
    }
}
END_TEST

START_TEST(buf_printf_grows)
{
    struct buf b = {0};
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    ck_assert_uint_eq(b.len, strlen(b.data));
    ck_assert(strncmp(b.data + b.len - 4, "999,", 4) == 0);
    buf_free(&b);
}
END_TEST

Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("helpers");
    tcase_add_test(tc, split_lines_keeps_a_last_line_without_newline);
    tcase_add_test(tc, shorten_escapes_unprintable_bytes_and_cuts);
    tcase_add_test(tc, rng_is_reproducible_and_in_range);
    tcase_add_test(tc, buf_printf_grows);
    suite_add_tcase(s, tc);
    return s;
}
