/* Instructor mode: a class graded into a gradebook, and the Gradescope autograder. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "util.h"

static char *root;

static void sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    ck_assert_msg(rc == 0, "'%s' failed (%d)", cmd, rc);
}

/* root/in/NAME with the 01 and 02 files taken from src01 and src02. */
static void student(const char *name, const char *src01, const char *src02)
{
    sh("mkdir -p %s/in/%s/01-threads-hello %s/in/%s/02-processes-hello", root, name, root, name);
    const char *srcs[] = {src01, src02}, *dirs[] = {"01-threads-hello", "02-processes-hello"},
               *progs[] = {"hello", "fork_hello"};
    for (int i = 0; i < 2; i++) {
        if (!srcs[i])
            continue;
        char *source = variant_source(srcs[i], dirs[i], progs[i]);
        sh("cp %s %s/in/%s/%s/%s.c", source, root, name, dirs[i], progs[i]);
        if (strcmp(source, srcs[i]) != 0)
            unlink(source);
        free(source);
    }
}

#define SOL1 "solutions/01-threads-hello/hello.c"
#define SOL2 "solutions/02-processes-hello/fork_hello.c"

static void make_class(void)
{
    root = make_temp_dir("test-batch");
    student("s01-solution", SOL1, SOL2);
    student("s02-starter", "chapters/01-threads-hello/hello.c", "chapters/02-processes-hello/fork_hello.c");
    student("s03-loop-variable", "tests/variants/01-threads-hello/bad_pointer_to_loop_variable.patch", SOL2);
    student("s04-no-wait", SOL1, "tests/variants/02-processes-hello/bad_sleep_instead_of_wait.patch");
    student("s05-infinite-loop", "tests/variants/01-threads-hello/infinite_loop.c", SOL2);
    student("s06-empty", NULL, NULL);
    student("s07-zip", SOL1, SOL2);
    sh("cd %s/in && zip -qr s07-zip.zip s07-zip && rm -r s07-zip", root);
    student("s08-targz", SOL1, SOL2);
    sh("cd %s/in && mkdir wrap && mv s08-targz wrap/ && tar -czf s08-targz.tar.gz -C wrap s08-targz && rm -r wrap", root);
    sh("echo 'not a zip' > %s/in/s09-garbage.zip", root);
    sh("cd %s && mkdir many && for i in $(seq 600); do echo x > many/f$i; done && tar -czf in/s10-too-many.tgz many", root);
    sh("python3 -c \"import zipfile; z=zipfile.ZipFile('%s/in/s11-zip-slip.zip','w'); "
       "z.writestr('../../pcw-zip-slip', 'x'); z.writestr('01-threads-hello/hello.c', open('" SOL1 "').read())\"", root);
    student("s12-compile-error", SOL1, SOL2);
    sh("echo 'int main(void) { return nope; }' > %s/in/s12-compile-error/02-processes-hello/fork_hello.c", root);
}

/* The gradebook's row for id, split at commas (NULL-terminated), or NULL. */
static char **row(const char *csv, const char *id)
{
    struct buf text = {0};
    ck_assert(read_file(csv, &text, 1 << 20));
    char **lines = split_lines(text.data, text.len, NULL);
    char **found = NULL;
    for (char **l = lines; *l && !found; l++)
        if (strncmp(*l, id, strlen(id)) == 0 && (*l)[strlen(id)] == ',') {
            found = xcalloc(16, sizeof *found);
            int n = 0;
            for (char *p = *l, *end; n < 15; p = end + 1) {
                end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                found[n] = xcalloc(len + 1, 1);
                memcpy(found[n++], p, len);
                if (!end)
                    break;
            }
        }
    free_lines(lines);
    buf_free(&text);
    return found;
}

static void expect_row(const char *csv, const char *id, const char *total_is_max, const char *status)
{
    char **r = row(csv, id);
    ck_assert_msg(r != NULL, "%s: no row", id);
    /* columns: id,total,max,01,02,status */
    ck_assert_msg(strcmp(r[5], status) == 0, "%s: status '%s', expected '%s'", id, r[5], status);
    if (strcmp(total_is_max, "full") == 0)
        ck_assert_msg(strcmp(r[1], r[2]) == 0, "%s: %s of %s", id, r[1], r[2]);
    else if (strcmp(total_is_max, "zero") == 0)
        ck_assert_msg(strcmp(r[1], "0") == 0, "%s: total %s", id, r[1]);
    else
        ck_assert_msg(strcmp(r[1], "0") != 0 && strcmp(r[1], r[2]) != 0, "%s: %s of %s", id, r[1], r[2]);
    free_lines(r);
}

START_TEST(a_class_is_graded_into_a_correct_gradebook)
{
    make_class();
    char *csv = xasprintf("%s/grades.csv", root);
    unlink("/tmp/pcw-zip-slip");
    sh("grader/grade --batch %s/in --csv %s --json-dir %s/out -c 1 -c 2 --no-race --no-speedup -j 2 "
       ">/dev/null 2>&1 || [ $? -eq 1 ]", root, csv, root);
    expect_row(csv, "s01-solution", "full", "graded");
    expect_row(csv, "s02-starter", "zero", "graded");
    expect_row(csv, "s03-loop-variable", "part", "graded");
    expect_row(csv, "s04-no-wait", "part", "graded");
    expect_row(csv, "s05-infinite-loop", "part", "timed out");
    expect_row(csv, "s06-empty", "zero", "build failed");
    expect_row(csv, "s07-zip", "full", "graded");
    expect_row(csv, "s08-targz", "full", "graded");
    expect_row(csv, "s09-garbage", "zero", "rejected archive");
    expect_row(csv, "s10-too-many", "zero", "rejected archive");
    expect_row(csv, "s11-zip-slip", "part", "build failed");
    expect_row(csv, "s12-compile-error", "part", "build failed");
    ck_assert_msg(access("/tmp/pcw-zip-slip", F_OK) != 0, "the zip slipped a file out");
    char **mean = row(csv, "summary:mean");
    ck_assert_ptr_nonnull(mean);
    free_lines(mean);
    char **rate = row(csv, "summary:pass_rate");
    ck_assert_ptr_nonnull(rate);
    free_lines(rate);
    /* Each student's own results.json and text report are kept. */
    char *json = xasprintf("%s/out/s01-solution.json", root);
    json_t *r = json_load_file(json, 0, NULL);
    ck_assert_ptr_nonnull(r);
    json_decref(r);

    /* A regrade of one student replaces only that student's row. */
    sh("cp " SOL1 " %s/in/s02-starter/01-threads-hello/hello.c", root);
    sh("grader/grade --batch %s/in --csv %s --student s02-starter -c 1 -c 2 --no-race --no-speedup "
       ">/dev/null 2>&1 || [ $? -eq 1 ]", root, csv);
    expect_row(csv, "s02-starter", "part", "graded");
    expect_row(csv, "s01-solution", "full", "graded");
    expect_row(csv, "s09-garbage", "zero", "rejected archive");
    free(json), free(csv);
    remove_tree(root);
    free(root);
}
END_TEST

START_TEST(the_gradescope_autograder_writes_valid_results)
{
    sh("make -s dist/autograder.zip >/dev/null");
    char *dir = make_temp_dir("test-gradescope");
    sh("cp " SOL1 " " SOL2 " %s/", dir);
    char *results = xasprintf("%s.json", dir);
    sh("PCW_GRADE_FLAGS='-c 1 -c 2 --no-speedup' tests/gradescope-local %s %s", dir, results);
    json_error_t e;
    json_t *r = json_load_file(results, 0, &e);
    ck_assert_msg(r != NULL, "%s", e.text);
    ck_assert(json_is_number(json_object_get(r, "score")));
    ck_assert(json_is_number(json_object_get(r, "execution_time")));
    ck_assert(json_number_value(json_object_get(r, "score")) ==
              json_number_value(json_object_get(r, "max_score")));
    json_t *tests = json_object_get(r, "tests");
    ck_assert(json_is_array(tests) && json_array_size(tests) > 0);
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t) {
        ck_assert(json_is_string(json_object_get(t, "name")));
        ck_assert(json_is_number(json_object_get(t, "score")));
        ck_assert(json_is_number(json_object_get(t, "max_score")));
        ck_assert(json_is_string(json_object_get(t, "output")));
        const char *status = json_string_value(json_object_get(t, "status"));
        ck_assert(!status || strcmp(status, "passed") == 0 || strcmp(status, "failed") == 0);
        ck_assert_str_eq(json_string_value(json_object_get(t, "visibility")), "visible");
    }
    json_decref(r);
    unlink(results);
    remove_tree(dir);
    free(dir), free(results);
}
END_TEST

Suite *batch_suite(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("instructor mode");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, a_class_is_graded_into_a_correct_gradebook);
    tcase_add_test(tc, the_gradescope_autograder_writes_valid_results);
    suite_add_tcase(s, tc);
    return s;
}
