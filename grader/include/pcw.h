/* pcw.h - error-checking wrappers for the workbook's chapter programs.
 *
 * Each wrapper has the name of the call it wraps, capitalised, and dies with
 * "PROG: what: why" on failure, so chapter code reads like the idea it teaches.
 * Unix calls report errno; pthread calls report the code they return.
 * Header-only (static inline) so every chapter builds from its one .c file.
 * Exit status: 1 for a failed call, 2 for bad usage. */
#ifndef PCW_H
#define PCW_H

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PCW_EXIT_FAILURE 1
#define PCW_EXIT_USAGE 2

static const char *pcw_progname = "pcw";
static const char *pcw_usage_text = "";

/* Call first in main: names the program in messages and sets its usage line. */
static inline void pcw_init(const char *argv0, const char *usage)
{
    const char *slash = strrchr(argv0, '/');
    pcw_progname = slash ? slash + 1 : argv0;
    pcw_usage_text = usage;
    opterr = 0; /* getopt's own message would be a second line; see bad_option */
}

static inline void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", pcw_progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(PCW_EXIT_FAILURE);
}

static inline void unix_error(const char *what)
{
    die("%s: %s", what, strerror(errno));
}

static inline void posix_error(int code, const char *what)
{
    die("%s: %s", what, strerror(code));
}

/* Bad usage: one line saying what is wrong, the usage line, exit 2. */
static inline void usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", pcw_progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s %s\n", pcw_progname, pcw_usage_text);
    exit(PCW_EXIT_USAGE);
}

/* For getopt's '?' or ':' (optstring starting with ':'). */
static inline void bad_option(int got)
{
    if (got == ':')
        usage_error("option -%c needs a value", optopt);
    usage_error("unknown option -%c", optopt);
}

/* Whole decimal number in [lo, hi], or a usage error naming the option. */
static inline long long parse_ll(const char *what, const char *text, long long lo, long long hi)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0')
        usage_error("%s: '%s' is not a whole number", what, text);
    if (errno == ERANGE || v < lo || v > hi)
        usage_error("%s: %s is out of range %lld..%lld", what, text, lo, hi);
    return v;
}

static inline double parse_double(const char *what, const char *text, double lo_excl, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        usage_error("%s: '%s' is not a number", what, text);
    if (errno == ERANGE || !(v > lo_excl && v <= hi))
        usage_error("%s: %s is out of range (%g, %g]", what, text, lo_excl, hi);
    return v;
}

/* Index of text in the NULL-terminated list names, or a usage error. */
static inline int parse_choice(const char *what, const char *text, const char *const names[])
{
    for (int i = 0; names[i]; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    usage_error("%s: unknown value '%s'", what, text);
    return -1;
}

static inline double now_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
        unix_error("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline long online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

/* Memory */

static inline void *Malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        die("malloc %zu bytes: %s", size, strerror(errno));
    return p;
}

static inline void *Calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        die("calloc %zu x %zu bytes: %s", count, size, strerror(errno));
    return p;
}

static inline void *Realloc(void *old, size_t size)
{
    void *p = realloc(old, size ? size : 1);
    if (!p)
        die("realloc %zu bytes: %s", size, strerror(errno));
    return p;
}

/* Anonymous memory that parent and children share after fork. */
static inline void *Mmap_shared(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        unix_error("mmap shared");
    return p;
}

static inline void Munmap(void *addr, size_t size)
{
    if (munmap(addr, size) < 0)
        unix_error("munmap");
}

/* Processes */

static inline pid_t Fork(void)
{
    pid_t pid = fork();
    if (pid < 0)
        unix_error("fork");
    return pid;
}

static inline pid_t Waitpid(pid_t pid, int *status, int options)
{
    pid_t got;
    while ((got = waitpid(pid, status, options)) < 0 && errno == EINTR)
        ;
    if (got < 0)
        unix_error("waitpid");
    return got;
}

static inline pid_t Posix_spawn(const char *path, char *const argv[], char *const envp[])
{
    pid_t pid;
    int rc = posix_spawn(&pid, path, NULL, NULL, argv, envp);
    if (rc != 0)
        posix_error(rc, "posix_spawn");
    return pid;
}

static inline void Kill(pid_t pid, int sig)
{
    if (kill(pid, sig) < 0)
        unix_error("kill");
}

static inline void Sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sigaction(sig, act, old) < 0)
        unix_error("sigaction");
}

/* File descriptors */

static inline void Pipe(int fds[2])
{
    if (pipe(fds) < 0)
        unix_error("pipe");
}

static inline void Close(int fd)
{
    if (close(fd) < 0)
        unix_error("close");
}

static inline int Dup2(int from, int to)
{
    int fd = dup2(from, to);
    if (fd < 0)
        unix_error("dup2");
    return fd;
}

/* Writes all of buf, retrying short writes and interrupts. */
static inline void Write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            unix_error("write");
        p += n;
        len -= (size_t)n;
    }
}

/* Reads until len bytes or end of file; returns the bytes read. */
static inline size_t Read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            unix_error("read");
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return got;
}

/* POSIX threads: these return an error code instead of setting errno. */

static inline void Pthread_create(pthread_t *tid, const pthread_attr_t *attr,
                                  void *(*start)(void *), void *arg)
{
    int rc = pthread_create(tid, attr, start, arg);
    if (rc != 0)
        posix_error(rc, "pthread_create");
}

static inline void Pthread_join(pthread_t tid, void **result)
{
    int rc = pthread_join(tid, result);
    if (rc != 0)
        posix_error(rc, "pthread_join");
}

static inline void Pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    int rc = pthread_mutex_init(m, attr);
    if (rc != 0)
        posix_error(rc, "pthread_mutex_init");
}

/* A mutex that works across fork when it lives in shared memory. */
static inline void Pthread_mutex_init_shared(pthread_mutex_t *m)
{
    pthread_mutexattr_t attr;
    int rc = pthread_mutexattr_init(&attr);
    if (rc == 0)
        rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutex_init(m, &attr);
    if (rc != 0)
        posix_error(rc, "pthread_mutex_init (process-shared)");
    pthread_mutexattr_destroy(&attr);
}

static inline void Pthread_mutex_destroy(pthread_mutex_t *m)
{
    int rc = pthread_mutex_destroy(m);
    if (rc != 0)
        posix_error(rc, "pthread_mutex_destroy");
}

static inline void Pthread_mutex_lock(pthread_mutex_t *m)
{
    int rc = pthread_mutex_lock(m);
    if (rc != 0)
        posix_error(rc, "pthread_mutex_lock");
}

static inline void Pthread_mutex_unlock(pthread_mutex_t *m)
{
    int rc = pthread_mutex_unlock(m);
    if (rc != 0)
        posix_error(rc, "pthread_mutex_unlock");
}

static inline void Pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
    int rc = pthread_cond_init(c, attr);
    if (rc != 0)
        posix_error(rc, "pthread_cond_init");
}

/* A condition variable that works across fork when it lives in shared memory. */
static inline void Pthread_cond_init_shared(pthread_cond_t *c)
{
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc == 0)
        rc = pthread_condattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_cond_init(c, &attr);
    if (rc != 0)
        posix_error(rc, "pthread_cond_init (process-shared)");
    pthread_condattr_destroy(&attr);
}

static inline void Pthread_cond_destroy(pthread_cond_t *c)
{
    int rc = pthread_cond_destroy(c);
    if (rc != 0)
        posix_error(rc, "pthread_cond_destroy");
}

static inline void Pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    int rc = pthread_cond_wait(c, m);
    if (rc != 0)
        posix_error(rc, "pthread_cond_wait");
}

/* Returns 0, or ETIMEDOUT when the absolute CLOCK_REALTIME deadline passed. */
static inline int Pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                         const struct timespec *deadline)
{
    int rc = pthread_cond_timedwait(c, m, deadline);
    if (rc != 0 && rc != ETIMEDOUT)
        posix_error(rc, "pthread_cond_timedwait");
    return rc;
}

static inline void Pthread_cond_signal(pthread_cond_t *c)
{
    int rc = pthread_cond_signal(c);
    if (rc != 0)
        posix_error(rc, "pthread_cond_signal");
}

static inline void Pthread_cond_broadcast(pthread_cond_t *c)
{
    int rc = pthread_cond_broadcast(c);
    if (rc != 0)
        posix_error(rc, "pthread_cond_broadcast");
}

/* Added for 07-crash-isolation. */

static inline void Setrlimit(int resource, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
    if (setrlimit(resource, &rl) < 0)
        unix_error("setrlimit");
}

static inline void Pthread_barrier_init(pthread_barrier_t *b, unsigned count)
{
    int rc = pthread_barrier_init(b, NULL, count);
    if (rc != 0)
        posix_error(rc, "pthread_barrier_init");
}

/* A barrier that works across fork when it lives in shared memory. */
static inline void Pthread_barrier_init_shared(pthread_barrier_t *b, unsigned count)
{
    pthread_barrierattr_t attr;
    int rc = pthread_barrierattr_init(&attr);
    if (rc == 0)
        rc = pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_barrier_init(b, &attr, count);
    if (rc != 0)
        posix_error(rc, "pthread_barrier_init (process-shared)");
    pthread_barrierattr_destroy(&attr);
}

/* Returns nonzero in exactly one of the threads released together. */
static inline int Pthread_barrier_wait(pthread_barrier_t *b)
{
    int rc = pthread_barrier_wait(b);
    if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
        posix_error(rc, "pthread_barrier_wait");
    return rc == PTHREAD_BARRIER_SERIAL_THREAD;
}

static inline void Pthread_barrier_destroy(pthread_barrier_t *b)
{
    int rc = pthread_barrier_destroy(b);
    if (rc != 0)
        posix_error(rc, "pthread_barrier_destroy");
}

#endif
