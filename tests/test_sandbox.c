#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"
#include "tests.h"

static struct limits quick = {.wall_s = 2, .cpu_s = 5, .mem_mb = 512, .procs = 64,
                              .output_kb = 64, .file_mb = 1};

static void run_sh(const char *script, struct run_result *r)
{
    char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
    struct run_spec spec = {.argv = argv, .dir = "/tmp", .limits = quick};
    run_sandboxed(&spec, r);
}

static void setup(void)
{
    sandbox_init();
}

START_TEST(output_and_exit_status_are_captured)
{
    struct run_result r;
    run_sh("echo out; echo err >&2; exit 3", &r);
    ck_assert(r.started && r.exited);
    ck_assert_int_eq(r.exit_code, 3);
    ck_assert_str_eq(r.out.data, "out\n");
    ck_assert_str_eq(r.err.data, "err\n");
    ck_assert_int_eq(r.strays, 0);
    run_result_free(&r);
}
END_TEST

START_TEST(standard_input_is_fed)
{
    static char big[300000];
    memset(big, 'x', sizeof big);
    char *argv[] = {"/usr/bin/wc", "-c", NULL};
    struct run_spec spec = {.argv = argv, .dir = "/tmp", .input = big, .input_len = sizeof big,
                            .limits = quick};
    struct run_result r;
    run_sandboxed(&spec, &r);
    ck_assert_str_eq(r.out.data, "300000\n");
    run_result_free(&r);
}
END_TEST

START_TEST(a_crash_is_reported_with_its_signal)
{
    struct run_result r;
    run_sh("kill -SEGV $$", &r);
    ck_assert(r.signaled);
    ck_assert_int_eq(r.term_signal, SIGSEGV);
    char *why = describe_ending(&r, &quick);
    ck_assert_msg(strstr(why, "SIGSEGV"), "%s", why);
    free(why);
    run_result_free(&r);
}
END_TEST

START_TEST(an_endless_program_is_killed_at_the_wall_limit)
{
    struct run_result r;
    run_sh("while :; do :; done", &r);
    ck_assert(r.timed_out);
    ck_assert(r.wall_s < quick.wall_s + 1.5);
    char *why = describe_ending(&r, &quick);
    ck_assert_msg(strstr(why, "timed out"), "%s", why);
    free(why);
    run_result_free(&r);
}
END_TEST

START_TEST(an_output_flood_is_cut_and_killed)
{
    struct run_result r;
    run_sh("while :; do echo flood; done", &r);
    ck_assert(r.output_limited);
    ck_assert_uint_le(r.out.len + r.err.len, (size_t)quick.output_kb << 10);
    run_result_free(&r);
}
END_TEST

/* Whether a process whose command line holds text is still alive. */
static bool running(const char *text)
{
    char *cmd = xasprintf("pgrep -f '%s' > /dev/null", text);
    int rc = system(cmd);
    free(cmd);
    return rc == 0;
}

START_TEST(processes_left_behind_are_counted_and_killed)
{
    /* A duration of its own, so no other sleep on the machine can be mistaken for ours. */
    char script[128], mark[64];
    snprintf(mark, sizeof mark, "sleep 100[.]%d", (int)getpid());
    snprintf(script, sizeof script, "sleep 100.%d & sleep 100.%d & exit 0", (int)getpid(),
             (int)getpid());
    struct run_result r;
    run_sh(script, &r);
    ck_assert(r.exited);
    ck_assert_int_eq(r.strays, 2);
    ck_assert(r.wall_s < 1.5);
    run_result_free(&r);
    ck_assert_msg(!running(mark), "a process the run left behind is still alive");
}
END_TEST

START_TEST(a_setsid_escape_is_still_killed)
{
    char script[128], mark[64];
    snprintf(mark, sizeof mark, "sleep 101[.]%d", (int)getpid());
    snprintf(script, sizeof script, "setsid sh -c 'sleep 101.%d' & sleep 0.2; exit 0",
             (int)getpid());
    struct run_result r;
    run_sh(script, &r);
    ck_assert_int_ge(r.strays, 1);
    run_result_free(&r);
    ck_assert_msg(!running(mark), "the escaped process is still alive");
}
END_TEST

START_TEST(a_missing_program_is_not_started)
{
    char *argv[] = {"/nonexistent/prog", NULL};
    struct run_spec spec = {.argv = argv, .dir = "/tmp", .limits = quick};
    struct run_result r;
    run_sandboxed(&spec, &r);
    ck_assert(!r.started);
    ck_assert_msg(strstr(r.failure, "No such file"), "%s", r.failure);
    run_result_free(&r);
}
END_TEST

START_TEST(no_core_file_and_no_inherited_descriptors)
{
    struct run_result r;
    run_sh("ulimit -c; ls /proc/self/fd | wc -l", &r);
    /* 0, 1, 2 and the descriptor ls opens to read the folder */
    ck_assert_str_eq(r.out.data, "0\n4\n");
    run_result_free(&r);
}
END_TEST

Suite *sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *tc = tcase_create("run_sandboxed");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, output_and_exit_status_are_captured);
    tcase_add_test(tc, standard_input_is_fed);
    tcase_add_test(tc, a_crash_is_reported_with_its_signal);
    tcase_add_test(tc, an_endless_program_is_killed_at_the_wall_limit);
    tcase_add_test(tc, an_output_flood_is_cut_and_killed);
    tcase_add_test(tc, processes_left_behind_are_counted_and_killed);
    tcase_add_test(tc, a_setsid_escape_is_still_killed);
    tcase_add_test(tc, a_missing_program_is_not_started);
    tcase_add_test(tc, no_core_file_and_no_inherited_descriptors);
    suite_add_tcase(s, tc);
    return s;
}
