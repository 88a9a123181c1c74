#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "tests.h"

static struct chapter hello = {.number = 1, .program = "hello", .dir = "01-threads-hello"};
static char *out_dir;

static void setup(void)
{
    sandbox_init();
    build_init("grader/include");
    out_dir = make_temp_dir("test-build");
}

static void teardown(void)
{
    remove_tree(out_dir);
    free(out_dir);
}

static char *write_source(const char *text, size_t len)
{
    char *path = xasprintf("%s/src.c", out_dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

START_TEST(the_solution_builds_cleanly)
{
    struct build b;
    build_program(&hello, "solutions/01-threads-hello/hello.c", out_dir, BUILD_PLAIN, &b);
    ck_assert_msg(b.ok, "%s", b.diagnostics);
    ck_assert(!b.warnings);
    ck_assert_int_eq(access(b.binary, X_OK), 0);
    build_free(&b);
}
END_TEST

START_TEST(a_warning_is_noticed_but_the_program_still_builds)
{
    const char *text = "#include \"pcw.h\"\nint main(void) { int unused; return 0; }\n";
    char *src = write_source(text, strlen(text));
    struct build b;
    build_program(&hello, src, out_dir, BUILD_PLAIN, &b);
    ck_assert(b.ok);
    ck_assert(b.warnings);
    build_free(&b);
    free(src);
}
END_TEST

START_TEST(a_compile_error_is_reported)
{
    const char *text = "int main(void) { return nope; }\n";
    char *src = write_source(text, strlen(text));
    struct build b;
    build_program(&hello, src, out_dir, BUILD_PLAIN, &b);
    ck_assert(!b.ok);
    ck_assert_str_eq(b.problem, "does not compile");
    ck_assert_ptr_nonnull(strstr(b.diagnostics, "nope"));
    build_free(&b);
    free(src);
}
END_TEST

START_TEST(unfit_files_are_refused_before_compiling)
{
    struct build b;
    build_program(&hello, "/nonexistent/hello.c", out_dir, BUILD_PLAIN, &b);
    ck_assert_ptr_nonnull(strstr(b.problem, "missing file"));
    build_free(&b);

    char *link = xasprintf("%s/link.c", out_dir);
    ck_assert_int_eq(symlink("/etc/passwd", link), 0);
    build_program(&hello, link, out_dir, BUILD_PLAIN, &b);
    ck_assert_ptr_nonnull(strstr(b.problem, "symbolic link"));
    build_free(&b);
    free(link);

    char *empty = write_source("", 0);
    build_program(&hello, empty, out_dir, BUILD_PLAIN, &b);
    ck_assert_ptr_nonnull(strstr(b.problem, "is empty"));
    build_free(&b);
    free(empty);

    char *binary = write_source("\x7f" "ELF\0\0\1", 7);
    build_program(&hello, binary, out_dir, BUILD_PLAIN, &b);
    ck_assert_ptr_nonnull(strstr(b.problem, "NUL bytes"));
    build_free(&b);
    free(binary);
}
END_TEST

START_TEST(the_students_own_header_is_never_used)
{
    /* A pcw.h beside the student's file must not replace the official one. */
    char *fake = xasprintf("%s/pcw.h", out_dir);
    FILE *f = fopen(fake, "w");
    fputs("#error student header used\n", f);
    fclose(f);
    const char *text = "#include \"pcw.h\"\nint main(void) { return Fork() < 0; }\n";
    char *sub = xasprintf("%s/sub", out_dir);
    mkdir(sub, 0700);
    char *src = write_source(text, strlen(text));
    char *moved = xasprintf("%s/src2.c", out_dir);
    rename(src, moved);
    struct build b;
    build_program(&hello, moved, sub, BUILD_PLAIN, &b);
    ck_assert_msg(b.ok, "%s", b.diagnostics);
    build_free(&b);
    free(fake), free(sub), free(src), free(moved);
}
END_TEST

Suite *build_suite(void)
{
    Suite *s = suite_create("build");
    TCase *tc = tcase_create("build_program");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_solution_builds_cleanly);
    tcase_add_test(tc, a_warning_is_noticed_but_the_program_still_builds);
    tcase_add_test(tc, a_compile_error_is_reported);
    tcase_add_test(tc, unfit_files_are_refused_before_compiling);
    tcase_add_test(tc, the_students_own_header_is_never_used);
    suite_add_tcase(s, tc);
    return s;
}
