/* session.c - the setup shared by the grader (grade.c) and the student runner (workbook.c). */
#define _GNU_SOURCE
#include "session.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *find_root(void)
{
    const char *env = getenv("PCW_ROOT");
    if (env && *env)
        return xstrdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        fatal("readlink /proc/self/exe: %s", strerror(errno));
    exe[n] = '\0';
    return xstrdup(dirname(dirname(exe)));
}

struct table *session_load_table(const char *root, char **table_path)
{
    *table_path = xasprintf("%s/chapters/chapters.json", root);
    struct table *table = table_load(*table_path);
    validate_kinds(table);
    return table;
}

char *session_probe_path(const char *root)
{
    char *probe = xasprintf("%s/grader/probe.so", root);
    if (access(probe, R_OK) != 0)
        fatal("%s is missing: run make first", probe);
    return probe;
}

void session_private_copies(struct session *s, const char *root, const char *probe)
{
    /* Private copies of what every build and run uses: readable by the sandbox user
     * wherever the workbook lives, and out of reach of the programs being graded. */
    char *include = xasprintf("%s/include", s->temp_root);
    char *header = xasprintf("%s/pcw.h", include);
    char *official = xasprintf("%s/grader/include/pcw.h", root);
    if (mkdir(include, 0755) < 0)
        fatal("mkdir %s: %s", include, strerror(errno));
    copy_file(official, header, 0644);
    build_init(include);
    s->probe_lib = xasprintf("%s/probe.so", s->temp_root);
    copy_file(probe, s->probe_lib, 0755);
    free(include), free(header), free(official);
}
