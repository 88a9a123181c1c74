/* Helpers for the suites that run grader/grade as a user would. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "util.h"

extern char **environ;

json_t *run_grader(const char *const *args, int *status, char **text)
{
    char json_path[] = "/tmp/pcw-results-XXXXXX";
    char out_path[] = "/tmp/pcw-stdout-XXXXXX";
    close(mkstemp(json_path));
    int out = mkstemp(out_path);
    ck_assert_int_ge(out, 0);
    const char *argv[64];
    int n = 0;
    argv[n++] = "grader/grade";
    argv[n++] = "--json";
    argv[n++] = json_path;
    for (int i = 0; args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, "grader/grade", &fa, NULL, (char **)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "grader died by signal %d", WTERMSIG(st));
    *status = WEXITSTATUS(st);
    close(out);
    if (text) {
        struct buf b = {0};
        read_file(out_path, &b, 1 << 20);
        *text = b.data ? b.data : xstrdup("");
    }
    json_error_t e;
    json_t *report = json_load_file(json_path, 0, &e);
    ck_assert_msg(report != NULL, "results.json is not valid JSON: %s", e.text);
    unlink(json_path);
    unlink(out_path);
    return report;
}

char *make_submission(const char *chapter_dir, const char *program, const char *source)
{
    char *root = make_temp_dir("test-submission");
    char *dir = xasprintf("%s/%s", root, chapter_dir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char *dest = xasprintf("%s/%s.c", dir, program);
    char *cmd = xasprintf("cp '%s' '%s'", source, dest);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd), free(dest), free(dir);
    return root;
}

const char *verdict_of(json_t *report, const char *chapter_dir, const char *test_id, bool *blocked,
                       const char **output)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(report, "tests"), i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        json_t *extra = json_object_get(t, "extra_data");
        if (strncmp(name, chapter_dir, strlen(chapter_dir)) != 0 ||
            strcmp(json_string_value(json_object_get(extra, "test_id")), test_id) != 0)
            continue;
        if (blocked)
            *blocked = json_is_true(json_object_get(extra, "blocked"));
        if (output)
            *output = json_string_value(json_object_get(t, "output"));
        return json_string_value(json_object_get(extra, "verdict"));
    }
    return NULL;
}

char *variant_source(const char *path, const char *chapter_dir, const char *program)
{
    size_t n = strlen(path);
    if (n < 6 || strcmp(path + n - 6, ".patch") != 0)
        return xstrdup(path);
    /* A bad variant is kept as the mistake itself: a patch to the reference solution. */
    char out[] = "/tmp/pcw-variant-XXXXXX";
    int fd = mkstemp(out);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char *cmd = xasprintf("patch --quiet --force --output=%s solutions/%s/%s.c < %s", out,
                          chapter_dir, program, path);
    ck_assert_msg(system(cmd) == 0, "%s does not apply to the solution: %s", path, cmd);
    free(cmd);
    return xstrdup(out);
}
