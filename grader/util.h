/* util.h - the grader's own small helpers: dying, buffers, randomness, temp dirs. */
#ifndef GRADER_UTIL_H
#define GRADER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_USAGE 2

/* Internal failure: message to stderr, the --json fallback report is kept, exit 2. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void set_fatal_hook(void (*hook)(const char *message));

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated. */
struct buf {
    char *data;
    size_t len, cap;
};
void buf_add(struct buf *b, const void *data, size_t len);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* Lines of text: a NULL-terminated array of copies; the last line may lack '\n'. */
char **split_lines(const char *text, size_t len, size_t *count);
void free_lines(char **lines);

/* Text safe to show a student: printable ASCII, escapes for the rest, at most max bytes. */
char *shorten(const char *text, size_t len, size_t max);

/* splitmix64: small, seedable, and the same on every machine. */
struct rng {
    uint64_t state;
};
uint64_t rng_next(struct rng *r);
long long rng_range(struct rng *r, long long lo, long long hi); /* inclusive */

char *make_temp_dir(const char *tag);
void remove_tree(const char *path);
bool read_file(const char *path, struct buf *out, size_t max);
void copy_file(const char *from, const char *to, int mode);
double monotonic_seconds(void);
int online_cpu_count(void);

#endif
