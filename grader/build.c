#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *official_include;

void build_init(const char *include_dir)
{
    /* The compiler runs in the build folder, so the path must not be relative. */
    free(official_include);
    official_include = realpath(include_dir, NULL);
    if (!official_include)
        fatal("%s: %s", include_dir, strerror(errno));
}

char *find_program(const char *name)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
    const char *path = getenv("PATH");
    char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
    char *found = NULL;
    for (char *dir = strtok(copy, ":"); dir && !found; dir = strtok(NULL, ":")) {
        char *candidate = xasprintf("%s/%s", dir, name);
        if (access(candidate, X_OK) == 0)
            found = candidate;
        else
            free(candidate);
    }
    free(copy);
    return found;
}

/* Copies a student's file without following links; NULL and a reason when it is unfit. */
static char *copy_source(const char *source, const char *dest, char **problem)
{
    int in = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (in < 0) {
        if (errno == ENOENT)
            *problem = xasprintf("missing file %s", source);
        else if (errno == ELOOP)
            *problem = xasprintf("%s is a symbolic link; submit the file itself", source);
        else
            *problem = xasprintf("cannot open %s: %s", source, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
        *problem = xasprintf("%s is not a regular file", source);
        close(in);
        return NULL;
    }
    if (st.st_size > SOURCE_MAX_BYTES) {
        *problem = xasprintf("%s is %lld bytes, more than the %d-byte limit for a source file",
                             source, (long long)st.st_size, SOURCE_MAX_BYTES);
        close(in);
        return NULL;
    }
    struct buf text = {0};
    char chunk[65536];
    ssize_t n;
    while ((n = read(in, chunk, sizeof chunk)) > 0 && text.len <= SOURCE_MAX_BYTES)
        buf_add(&text, chunk, (size_t)n);
    close(in);
    if (n < 0) {
        *problem = xasprintf("reading %s: %s", source, strerror(errno));
        buf_free(&text);
        return NULL;
    }
    if (text.len == 0) {
        *problem = xasprintf("%s is empty", source);
        buf_free(&text);
        return NULL;
    }
    if (memchr(text.data, '\0', text.len)) {
        *problem = xasprintf("%s holds NUL bytes: it is not C source text", source);
        buf_free(&text);
        return NULL;
    }
    FILE *out = fopen(dest, "we");
    if (!out || fwrite(text.data, 1, text.len, out) != text.len || fclose(out) != 0)
        fatal("writing %s: %s", dest, strerror(errno));
    buf_free(&text);
    return xstrdup(dest);
}

void build_program(const struct chapter *c, const char *source, const char *out_dir,
                   enum build_flavour flavour, struct build *b)
{
    *b = (struct build){0};
    const char *suffix = flavour == BUILD_TSAN ? "-tsan" : "";
    char *dest = xasprintf("%s/%s%s.c", out_dir, c->program, suffix);
    char *copied = copy_source(source, dest, &b->problem);
    free(dest);
    if (!copied)
        return;
    b->binary = xasprintf("%s/%s%s", out_dir, c->program, suffix);
    char *compiler = find_program(flavour == BUILD_TSAN ? "clang" : "gcc");
    if (!compiler)
        fatal("no %s on PATH (make deps installs it)", flavour == BUILD_TSAN ? "clang" : "gcc");
    char *include = xasprintf("-I%s", official_include);
    const char *argv[40];
    int n = 0;
    argv[n++] = compiler;
    argv[n++] = "-std=c17";
    argv[n++] = "-D_DEFAULT_SOURCE";
    argv[n++] = flavour == BUILD_TSAN ? "-O1" : "-O2";
    argv[n++] = "-g";
    argv[n++] = "-pthread";
    argv[n++] = "-Wall";
    argv[n++] = "-Wextra";
    argv[n++] = "-fdiagnostics-color=never";
    if (flavour == BUILD_TSAN)
        argv[n++] = "-fsanitize=thread";
    argv[n++] = include;
    argv[n++] = copied;
    argv[n++] = "-o";
    argv[n++] = b->binary;
    argv[n++] = "-lrt";
    argv[n++] = "-lm";
    argv[n] = NULL;

    struct run_spec spec = {
        .argv = (char *const *)argv,
        .dir = out_dir,
        .limits = {.wall_s = 60, .cpu_s = 60, .mem_mb = 0, .procs = 0, .output_kb = 256,
                   .file_mb = 256},
    };
    struct run_result r;
    /* The compiler runs sandboxed too: #include "/etc/shadow" must show nothing. */
    lend(out_dir);
    run_sandboxed(&spec, &r);
    hand_back(out_dir);
    hand_back(b->binary);
    b->diagnostics = xasprintf("%s%s", r.out.data, r.err.data);
    b->ok = r.started && r.exited && r.exit_code == 0 && access(b->binary, X_OK) == 0;
    b->warnings = b->ok && strstr(b->diagnostics, "warning:") != NULL;
    if (!b->ok) {
        char *why = describe_ending(&r, &spec.limits);
        b->problem = r.exited ? xstrdup("does not compile") : xasprintf("compiler %s", why);
        free(why);
    }
    run_result_free(&r);
    free(include);
    free(compiler);
    free(copied);
}

void build_free(struct build *b)
{
    free(b->binary);
    free(b->problem);
    free(b->diagnostics);
    *b = (struct build){0};
}
