/* probe.c - preloaded into a student's program to record, not trust, what it did:
 * threads started and joined, children forked and reaped. Each event is one line
 * appended to $PCW_PROBE_FILE with a single write, so lines from many threads and
 * processes never mix. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void record(const char *fmt, ...)
{
    const char *path = getenv("PCW_PROBE_FILE");
    if (!path)
        return;
    char line[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n <= 0 || n >= (int)sizeof line)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write(fd, line, (size_t)n) < 0) {
        /* the grader will see the event missing */
    }
    close(fd);
}

static void *real(const char *name)
{
    void *fn = dlsym(RTLD_NEXT, name);
    if (!fn) {
        static const char msg[] = "pcw probe: a library function is missing\n";
        if (write(2, msg, sizeof msg - 1) < 0) {
        }
        _exit(125);
    }
    return fn;
}

__attribute__((constructor)) static void at_start(void)
{
    record("exec %d %d\n", (int)getpid(), (int)getppid());
}

struct start {
    void *(*fn)(void *);
    void *arg;
};

static void *trampoline(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    record("thread_start %d %d\n", (int)getpid(), (int)gettid());
    void *result = s.fn(s.arg);
    record("thread_end %d %d\n", (int)getpid(), (int)gettid());
    return result;
}

int pthread_create(pthread_t *tid, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
        real("pthread_create");
    struct start *s = malloc(sizeof *s);
    if (!s)
        return create(tid, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    int rc = create(tid, attr, trampoline, s);
    if (rc != 0)
        free(s);
    return rc;
}

int pthread_join(pthread_t tid, void **result)
{
    int (*join)(pthread_t, void **) = real("pthread_join");
    int rc = join(tid, result);
    if (rc == 0)
        record("join %d\n", (int)getpid());
    return rc;
}

pid_t fork(void)
{
    pid_t (*real_fork)(void) = real("fork");
    pid_t pid = real_fork();
    if (pid == 0)
        record("child %d %d\n", (int)getpid(), (int)getppid());
    else if (pid > 0)
        record("fork %d %d\n", (int)getpid(), (int)pid);
    return pid;
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    int (*spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                 const posix_spawnattr_t *, char *const[], char *const[]) = real("posix_spawn");
    int rc = spawn(pid, path, actions, attr, argv, envp);
    if (rc == 0)
        record("spawn %d %d\n", (int)getpid(), (int)*pid);
    return rc;
}

static void note_reap(pid_t got, int status)
{
    if (got > 0 && (WIFEXITED(status) || WIFSIGNALED(status)))
        record("reap %d %d\n", (int)getpid(), (int)got);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    pid_t (*real_waitpid)(pid_t, int *, int) = real("waitpid");
    int local;
    pid_t got = real_waitpid(pid, status ? status : &local, options);
    note_reap(got, status ? *status : local);
    return got;
}

pid_t wait(int *status)
{
    return waitpid(-1, status, 0);
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
    pid_t (*real_wait4)(pid_t, int *, int, struct rusage *) = real("wait4");
    int local;
    pid_t got = real_wait4(pid, status ? status : &local, options, usage);
    note_reap(got, status ? *status : local);
    return got;
}

pid_t wait3(int *status, int options, struct rusage *usage)
{
    return wait4(-1, status, options, usage);
}

int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
    int (*real_waitid)(idtype_t, id_t, siginfo_t *, int) = real("waitid");
    int rc = real_waitid(type, id, info, options);
    if (rc == 0 && info && info->si_pid > 0 && !(options & WNOWAIT) &&
        (info->si_code == CLD_EXITED || info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED))
        record("reap %d %d\n", (int)getpid(), (int)info->si_pid);
    return rc;
}
