#define _GNU_SOURCE
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t current_group;

/* As root, RLIMIT_NPROC would not hold and the program could read anything: runs drop to
 * this unprivileged user (nobody, or $PCW_SANDBOX_UID) and lose the network. */
static uid_t sandbox_uid = (uid_t)-1;
static bool network_isolated;

bool sandbox_drops_privileges(void)
{
    return sandbox_uid != (uid_t)-1;
}

bool sandbox_network_isolated(void)
{
    return network_isolated;
}

void prepare_run_dir(const char *dir)
{
    remove_tree(dir);
    if (mkdir(dir, 0700) < 0)
        fatal("mkdir %s: %s", dir, strerror(errno));
    if (sandbox_drops_privileges() && chown(dir, sandbox_uid, sandbox_uid) < 0)
        fatal("chown %s: %s", dir, strerror(errno));
}

void lend(const char *path)
{
    if (sandbox_drops_privileges() && chown(path, sandbox_uid, sandbox_uid) < 0)
        fatal("chown %s: %s", path, strerror(errno));
}

void hand_back(const char *path)
{
    if (sandbox_drops_privileges() && chown(path, 0, 0) < 0 && errno != ENOENT)
        fatal("chown %s: %s", path, strerror(errno));
}

void sandbox_init(void)
{
    /* Orphans of the program come to us, so none escapes the sweep and none is a zombie. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        fatal("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    if (geteuid() == 0) {
        const char *uid = getenv("PCW_SANDBOX_UID");
        sandbox_uid = (uid_t)(uid && *uid ? atol(uid) : 65534);
        if (sandbox_uid == 0)
            fatal("PCW_SANDBOX_UID must not be 0");
        /* Probe once whether this kernel lets us take the network away. */
        pid_t pid = fork();
        if (pid == 0)
            _exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
        int status;
        network_isolated = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                           WEXITSTATUS(status) == 0;
    }
}

void sandbox_kill_current(void)
{
    if (current_group > 0)
        kill(-current_group, SIGKILL);
}

static void set_limit(int resource, rlim_t value)
{
    /* Only ever lower a limit: the grader itself may run under tighter ones. */
    struct rlimit now;
    if (getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY && now.rlim_max < value)
        value = now.rlim_max;
    struct rlimit rl = {value, value};
    if (setrlimit(resource, &rl) < 0) {
        dprintf(2, "sandbox: setrlimit %d: %s\n", resource, strerror(errno));
        _exit(126);
    }
}

/* Tasks (processes and threads) that our real uid already has: RLIMIT_NPROC counts them all. */
static long tasks_of_uid(uid_t uid)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return 0;
    long tasks = 0;
    struct dirent *e;
    while ((e = readdir(proc))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        long threads = 0;
        unsigned long real_uid = (unsigned long)-1;
        while (fgets(line, sizeof line, f)) {
            sscanf(line, "Uid: %lu", &real_uid);
            sscanf(line, "Threads: %ld", &threads);
        }
        fclose(f);
        if (real_uid == uid)
            tasks += threads;
    }
    closedir(proc);
    return tasks;
}

/* In a mount namespace of its own, the folders every user may write (/tmp ...) become
 * read-only, except the run's own folder: a program can leave files nowhere else. */
static bool seal_shared_dirs(const char *run_dir)
{
    static const char *const shared[] = {"/tmp", "/var/tmp", "/dev/shm", "/run/lock", NULL};
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return false;
    for (int i = 0; shared[i]; i++) {
        struct stat st;
        if (stat(shared[i], &st) < 0)
            continue;
        if (mount(shared[i], shared[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
            mount(NULL, shared[i], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
            return false;
    }
    /* A bind mount starts with its source's read-only flag: clear it explicitly. */
    return mount(run_dir, run_dir, NULL, MS_BIND, NULL) == 0 &&
           mount(NULL, run_dir, NULL, MS_REMOUNT | MS_BIND, NULL) == 0;
}

static void child_exec(const struct run_spec *spec, int in_fd, int out_fd, int err_fd,
                       int report_fd, rlim_t nproc)
{
    if (setsid() < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        goto fail;
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        goto fail;
    /* Only stdin, stdout, stderr and the exec-report pipe (close-on-exec) stay open. */
    for (int fd = 3; fd < 1024; fd++)
        if (fd != report_fd)
            close(fd);
    if (chdir(spec->dir) < 0)
        goto fail;
    if (network_isolated && unshare(CLONE_NEWNET) < 0)
        goto fail;
    if (sandbox_drops_privileges() && !seal_shared_dirs(spec->dir))
        goto fail;
    if (sandbox_drops_privileges() &&
        (setgroups(0, NULL) < 0 || setgid(sandbox_uid) < 0 || setuid(sandbox_uid) < 0))
        goto fail;
    const struct limits *l = &spec->limits;
    set_limit(RLIMIT_CORE, 0);
    if (l->cpu_s > 0)
        set_limit(RLIMIT_CPU, (rlim_t)(l->cpu_s + 0.999));
    if (l->mem_mb > 0)
        set_limit(RLIMIT_AS, (rlim_t)l->mem_mb << 20);
    if (l->file_mb > 0)
        set_limit(RLIMIT_FSIZE, (rlim_t)l->file_mb << 20);
    if (nproc > 0)
        set_limit(RLIMIT_NPROC, nproc);
    struct rlimit files = {1024, 1024};
    setrlimit(RLIMIT_NOFILE, &files); /* best effort: under valgrind the grader may not */

    char *env[64];
    size_t n = 0;
    char home[512], tmp[512];
    snprintf(home, sizeof home, "HOME=%s", spec->dir);
    snprintf(tmp, sizeof tmp, "TMPDIR=%s", spec->dir);
    env[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
    env[n++] = "LC_ALL=C";
    env[n++] = home;
    env[n++] = tmp;
    for (char *const *e = spec->env; e && *e && n < 63; e++)
        env[n++] = *e;
    env[n] = NULL;
    execve(spec->argv[0], spec->argv, env);
fail:;
    int err = errno;
    if (write(report_fd, &err, sizeof err) < 0) {
        /* nothing more can be said */
    }
    _exit(127);
}

/* pid, ppid, process group of one /proc entry; false when it is gone. */
static bool proc_stat(pid_t pid, pid_t *ppid, pid_t *pgrp, pid_t *session)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return false;
    text[n] = '\0';
    char *close_paren = strrchr(text, ')'); /* the command name may hold anything */
    char state;
    int pp, pg, se;
    if (!close_paren || sscanf(close_paren + 1, " %c %d %d %d", &state, &pp, &pg, &se) != 4)
        return false;
    *ppid = pp, *pgrp = pg, *session = se;
    return true;
}

/* Kills and reaps everything the run left: its group, its session, our adopted orphans.
 * Returns how many processes there were. Repeats until a pass finds none, because killing
 * a process hands its own children to us. */
static int sweep(pid_t group)
{
    /* A killed process lingers until it is reaped: count each pid once. */
    int found = 0, cap = 64;
    pid_t *seen = xcalloc((size_t)cap, sizeof *seen);
    kill(-group, SIGKILL);
    for (int pass = 0; pass < 10000; pass++) {
        int this_pass = 0;
        DIR *proc = opendir("/proc");
        if (!proc)
            fatal("opendir /proc: %s", strerror(errno));
        struct dirent *e;
        while ((e = readdir(proc))) {
            pid_t pid = (pid_t)atoi(e->d_name), ppid, pgrp, session;
            if (pid <= 0 || !proc_stat(pid, &ppid, &pgrp, &session))
                continue;
            if (ppid == getpid() || pgrp == group || session == group) {
                kill(pid, SIGKILL);
                this_pass++;
                bool known = false;
                for (int i = 0; i < found && !known; i++)
                    known = seen[i] == pid;
                if (!known) {
                    if (found == cap)
                        seen = xrealloc(seen, (size_t)(cap *= 2) * sizeof *seen);
                    seen[found++] = pid;
                }
            }
        }
        closedir(proc);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (this_pass == 0)
            break;
        usleep(1000);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
    }
    free(seen);
    return found;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void read_into(int *fd, struct buf *b, size_t *total, size_t cap, bool *over)
{
    char chunk[65536];
    ssize_t n = read(*fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close_fd(fd);
        return;
    }
    size_t room = *total < cap ? cap - *total : 0;
    buf_add(b, chunk, (size_t)n < room ? (size_t)n : room);
    *total += (size_t)n;
    if (*total > cap)
        *over = true;
}

void run_sandboxed(const struct run_spec *spec, struct run_result *r)
{
    *r = (struct run_result){0};
    buf_add(&r->out, "", 0);
    buf_add(&r->err, "", 0);
    int in[2], out[2], err[2], report[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
        pipe2(report, O_CLOEXEC) < 0)
        fatal("pipe: %s", strerror(errno));
    rlim_t nproc = 0;
    if (spec->limits.procs > 0)
        nproc = (rlim_t)(tasks_of_uid(sandbox_drops_privileges() ? sandbox_uid : getuid()) +
                         spec->limits.procs);

    double start = monotonic_seconds();
    pid_t pid = fork();
    if (pid < 0)
        fatal("fork: %s", strerror(errno));
    if (pid == 0)
        child_exec(spec, in[0], out[1], err[1], report[1], nproc);
    current_group = pid;
    close(in[0]), close(out[1]), close(err[1]), close(report[1]);

    int exec_errno = 0;
    if (read(report[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno) {
        snprintf(r->failure, sizeof r->failure, "could not start %s: %s", spec->argv[0],
                 strerror(exec_errno));
    } else {
        r->started = true;
    }
    close(report[0]);

    int in_fd = in[1], out_fd = out[0], err_fd = err[0];
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
    size_t in_off = 0;
    if (!spec->input || spec->input_len == 0)
        close_fd(&in_fd);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    size_t cap = (size_t)(spec->limits.output_kb > 0 ? spec->limits.output_kb : 1024) << 10;
    size_t total = 0;
    double deadline = start + (spec->limits.wall_s > 0 ? spec->limits.wall_s : 10);
    bool main_done = false, watched = false;
    double drain_until = 0;
    int status = 0;
    struct rusage usage = {0};

    for (;;) {
        double now = monotonic_seconds();
        if (!main_done && now >= deadline) {
            r->timed_out = true;
            break;
        }
        if (r->output_limited)
            break;
        if (spec->watch && !watched && !main_done && now >= start + spec->watch_after_s) {
            watched = true;
            if (spec->watch(pid, spec->watch_context)) {
                r->stopped_early = true;
                break;
            }
            continue;
        }
        if (main_done && ((out_fd < 0 && err_fd < 0) || now >= drain_until))
            break;
        struct pollfd p[4];
        int np = 0, i_out = -1, i_err = -1, i_in = -1, i_pid = -1;
        if (out_fd >= 0)
            i_out = np, p[np++] = (struct pollfd){.fd = out_fd, .events = POLLIN};
        if (err_fd >= 0)
            i_err = np, p[np++] = (struct pollfd){.fd = err_fd, .events = POLLIN};
        if (in_fd >= 0)
            i_in = np, p[np++] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
        if (pidfd >= 0 && !main_done)
            i_pid = np, p[np++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        double until = main_done ? drain_until : deadline;
        if (spec->watch && !watched && start + spec->watch_after_s < until)
            until = start + spec->watch_after_s;
        int wait_ms = (int)((until - now) * 1000) + 1;
        if (pidfd < 0 && !main_done && wait_ms > 10)
            wait_ms = 10;
        int ready = poll(p, (nfds_t)np, wait_ms);
        if (ready < 0 && errno != EINTR)
            fatal("poll: %s", strerror(errno));
        if (ready > 0 && i_out >= 0 && p[i_out].revents)
            read_into(&out_fd, &r->out, &total, cap, &r->output_limited);
        if (ready > 0 && i_err >= 0 && p[i_err].revents)
            read_into(&err_fd, &r->err, &total, cap, &r->output_limited);
        if (ready > 0 && i_in >= 0 && p[i_in].revents) {
            ssize_t n = write(in_fd, spec->input + in_off, spec->input_len - in_off);
            if (n > 0)
                in_off += (size_t)n;
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off == spec->input_len)
                close_fd(&in_fd);
        }
        if (!main_done && (i_pid < 0 || (ready > 0 && p[i_pid].revents))) {
            pid_t got = wait4(pid, &status, WNOHANG, &usage);
            if (got == pid) {
                main_done = true;
                r->wall_s = monotonic_seconds() - start;
                /* Output still in the pipes is the program's; anything after is a stray's. */
                drain_until = monotonic_seconds() + 0.2;
            }
        }
    }
    close_fd(&in_fd);
    if (!main_done) {
        kill(-pid, SIGKILL);
        wait4(pid, &status, 0, &usage);
        r->wall_s = monotonic_seconds() - start;
    }
    if (pidfd >= 0)
        close(pidfd);
    bool group_alive = kill(-pid, 0) == 0;
    int strays = sweep(pid);
    r->strays = main_done ? strays : 0;
    if (main_done && group_alive && r->strays == 0)
        r->strays = 1;
    close_fd(&out_fd);
    close_fd(&err_fd);
    current_group = 0;

    r->cpu_s = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
               (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    if (WIFEXITED(status)) {
        r->exited = true;
        r->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r->signaled = true;
        r->term_signal = WTERMSIG(status);
    }
}

void run_result_free(struct run_result *r)
{
    buf_free(&r->out);
    buf_free(&r->err);
}

char *describe_ending(const struct run_result *r, const struct limits *l)
{
    if (!r->started)
        return xstrdup(r->failure);
    if (r->timed_out)
        return xasprintf("timed out: still running after %.0f s (wall-clock limit), killed",
                         l->wall_s);
    if (r->output_limited)
        return xasprintf("output limit: printed more than %ld KiB, killed", l->output_kb);
    if (r->signaled) {
        const char *name = sigabbrev_np(r->term_signal);
        if (r->term_signal == SIGXCPU)
            return xasprintf("CPU time limit (%.0f s) exceeded, killed by SIGXCPU", l->cpu_s);
        return xasprintf("crashed: killed by SIG%s (%s)", name ? name : "?",
                         strsignal(r->term_signal));
    }
    return xasprintf("exit status %d", r->exit_code);
}
