#define _XOPEN_SOURCE 700
#include "util.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

static void (*fatal_hook)(const char *message);

void set_fatal_hook(void (*hook)(const char *message))
{
    fatal_hook = hook;
}

void fatal(const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fprintf(stderr, "grade: %s\n", message);
    if (fatal_hook) {
        void (*hook)(const char *) = fatal_hook;
        fatal_hook = NULL; /* a failure inside the hook must not loop */
        hook(message);
    }
    exit(EXIT_USAGE);
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        fatal("out of memory (%zu bytes)", size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        fatal("out of memory (%zu x %zu bytes)", count, size);
    return p;
}

void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        fatal("out of memory (%zu bytes)", size);
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        fatal("vsnprintf: %s", strerror(errno));
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
    buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        fatal("vsnprintf: %s", strerror(errno));
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_free(struct buf *b)
{
    free(b->data);
    *b = (struct buf){0};
}

char **split_lines(const char *text, size_t len, size_t *count)
{
    size_t n = 0, cap = 8;
    char **lines = xmalloc(cap * sizeof *lines);
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len && i == start)
            break;
        if (i == len || text[i] == '\n') {
            if (n + 2 > cap)
                lines = xrealloc(lines, (cap *= 2) * sizeof *lines);
            size_t l = i - start;
            lines[n] = xmalloc(l + 1);
            memcpy(lines[n], text + start, l);
            lines[n][l] = '\0';
            n++;
            start = i + 1;
        }
    }
    lines[n] = NULL;
    if (count)
        *count = n;
    return lines;
}

void free_lines(char **lines)
{
    if (!lines)
        return;
    for (char **l = lines; *l; l++)
        free(*l);
    free(lines);
}

char *shorten(const char *text, size_t len, size_t max)
{
    struct buf b = {0};
    buf_add(&b, "", 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (b.len >= max) {
            buf_printf(&b, "... (%zu more bytes)", len - i);
            break;
        }
        if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
            buf_add(&b, &text[i], 1);
        else
            buf_printf(&b, "\\x%02x", c);
    }
    return b.data;
}

uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

long long rng_range(struct rng *r, long long lo, long long hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (long long)(span ? rng_next(r) % span : rng_next(r));
}

char *make_temp_dir(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    char *path = xasprintf("%s/pcw-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(path))
        fatal("mkdtemp %s: %s", path, strerror(errno));
    /* Others may pass through (a sandboxed run must reach its own folder) but not list it. */
    if (chmod(path, 0711) < 0)
        fatal("chmod %s: %s", path, strerror(errno));
    return path;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    if (remove(path) < 0 && errno != ENOENT)
        fprintf(stderr, "grade: remove %s: %s\n", path, strerror(errno));
    return 0;
}

void remove_tree(const char *path)
{
    if (path)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool read_file(const char *path, struct buf *out, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    char chunk[65536];
    ssize_t n;
    buf_add(out, "", 0);
    while (out->len < max && (n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return false;
        }
        size_t room = max - out->len;
        buf_add(out, chunk, (size_t)n < room ? (size_t)n : room);
    }
    close(fd);
    return true;
}

double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int online_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void copy_file(const char *from, const char *to, int mode)
{
    struct buf data = {0};
    if (!read_file(from, &data, 64 << 20))
        fatal("reading %s: %s", from, strerror(errno));
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0 || write(fd, data.data, data.len) != (ssize_t)data.len || close(fd) < 0)
        fatal("writing %s: %s", to, strerror(errno));
    if (chmod(to, (mode_t)mode) < 0)
        fatal("chmod %s: %s", to, strerror(errno));
    buf_free(&data);
}
