/* variant: correct alternative - ONE task pipe shared by all workers, carrying fixed-size PIPE_BUF messages (a chunk is split into pieces of at most 510 numbers) that idle workers pull; main multiplexes sending and collecting with poll() on a non-blocking task pipe instead of handing out one chunk per worker
 * expect-fail: 
 * expect-pass: output stdin pool usage reaped leaks warnings */
/* square_map - Pool.map(square, numbers): workers pull tasks from one shared pipe.
 *
 * Every task message is exactly PIPE_BUF bytes: written atomically, and read whole by
 * exactly one worker, since every read asks for exactly one message. */
#include <fcntl.h>
#include <poll.h>
#include "pcw.h"

#define MAX_WORKERS 256
#define MAX_ABS 3037000499LL /* largest |N| whose square fits in int64 */

#define TASK_MAX ((PIPE_BUF - 2 * (int)sizeof(int64_t)) / (int)sizeof(int64_t))

struct task {       /* main -> whichever worker reads it first; always PIPE_BUF bytes */
    int64_t first;  /* input position of the first number */
    int64_t count;
    int64_t nums[TASK_MAX];
};

struct result {     /* any worker -> main, followed by count squares */
    int32_t worker;
    int32_t count;
    int64_t first;
};

#define RESULT_MAX ((PIPE_BUF - (int)sizeof(struct result)) / (int)sizeof(int64_t))

struct job {
    const int64_t *nums;
    size_t n;
    size_t chunk;
    long long rounds; /* busy work per item */
    int workers;
    int verbose;
};

static volatile uint64_t busy_sink; /* keeps the busy work from being optimised away */

/* One item: ROUNDS of xorshift that do not change the result, the -v line, the square. */
static int64_t square_item(int64_t x, long long rounds, int verbose)
{
    uint64_t h = (uint64_t)x | 1;
    for (long long r = 0; r < rounds; r++) {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
    }
    busy_sink = h;
    if (verbose)
        fprintf(stderr, "worker %d: square of %lld is %lld\n", (int)getpid(), (long long)x,
                (long long)(x * x));
    return x * x;
}

static int64_t parse_number(const char *text)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0')
        usage_error("'%s' is not a number", text);
    if (errno == ERANGE || v > MAX_ABS || v < -MAX_ABS)
        usage_error("square of %s overflows int64", text);
    return v;
}

/* Whitespace-separated numbers from stdin, read in one go: 100 000 lines stay fast. */
static int64_t *read_stdin(size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    char *text = Malloc(cap);
    size_t got;
    while ((got = Read_full(0, text + len, cap - len - 1)) > 0) {
        len += got;
        if (len + 1 == cap)
            text = Realloc(text, cap *= 2);
    }
    text[len] = '\0';

    size_t count = 0, room = 1024;
    int64_t *nums = Malloc(room * sizeof *nums);
    char *save;
    for (char *tok = strtok_r(text, " \t\n\r\v\f", &save); tok;
         tok = strtok_r(NULL, " \t\n\r\v\f", &save)) {
        if (count == room)
            nums = Realloc(nums, (room *= 2) * sizeof *nums);
        nums[count++] = parse_number(tok);
    }
    free(text);
    *n = count;
    return nums;
}

static void worker_loop(const struct job *job, int task_fd, int result_fd)
{
    struct task t;
    while (Read_full(task_fd, &t, sizeof t) == sizeof t) {
        if (t.count < 1 || t.count > TASK_MAX)
            die("garbled task");
        struct {
            struct result hdr;
            int64_t sq[RESULT_MAX];
        } msg; /* RESULT_MAX >= TASK_MAX: one reply per task */
        for (int64_t k = 0; k < t.count; k++)
            msg.sq[k] = square_item(t.nums[k], job->rounds, job->verbose);
        msg.hdr = (struct result){ .worker = 0, .count = (int32_t)t.count, .first = t.first };
        Write_all(result_fd, &msg, sizeof msg.hdr + (size_t)t.count * sizeof msg.sq[0]);
    }
}

/* The next task: at most TASK_MAX numbers, never crossing a chunk boundary. */
static void next_task(const struct job *job, size_t *next, struct task *t)
{
    size_t chunk_end = (*next / job->chunk + 1) * job->chunk;
    if (chunk_end > job->n)
        chunk_end = job->n;
    size_t count = chunk_end - *next < TASK_MAX ? chunk_end - *next : TASK_MAX;
    memset(t, 0, sizeof *t);
    t->first = (int64_t)*next;
    t->count = (int64_t)count;
    memcpy(t->nums, job->nums + *next, count * sizeof *t->nums);
    *next += count;
}

static void map_squares(const struct job *job, int64_t *squares)
{
    int task[2], result[2];
    Pipe(task);
    Pipe(result);
    fflush(stdout);
    pid_t *pids = Calloc((size_t)job->workers, sizeof *pids);
    for (int i = 0; i < job->workers; i++) {
        if ((pids[i] = Fork()) == 0) {
            Close(task[1]);
            Close(result[0]);
            free(pids);
            worker_loop(job, task[0], result[1]);
            Close(task[0]);
            Close(result[1]);
            _exit(0);
        }
    }
    Close(task[0]);
    Close(result[1]);
    /* Non-blocking, so a full task pipe never stops main from draining results. */
    if (fcntl(task[1], F_SETFL, O_NONBLOCK) < 0)
        unix_error("fcntl");

    size_t next = 0, received = 0;
    int task_fd = task[1];
    struct task t;
    int have_task = 0;
    while (received < job->n) {
        if (task_fd >= 0 && !have_task && next < job->n) {
            next_task(job, &next, &t);
            have_task = 1;
        }
        if (task_fd >= 0 && !have_task) { /* all sent: EOF for the workers once drained */
            Close(task_fd);
            task_fd = -1;
        }
        struct pollfd fds[2] = { { result[0], POLLIN, 0 }, { task_fd, POLLOUT, 0 } };
        if (poll(fds, task_fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            unix_error("poll");
        }
        if (task_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR))) {
            ssize_t w = write(task_fd, &t, sizeof t); /* PIPE_BUF bytes: all or nothing */
            if (w == (ssize_t)sizeof t)
                have_task = 0;
            else if (w >= 0 || errno != EAGAIN)
                unix_error("write task");
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            struct result r;
            if (Read_full(result[0], &r, sizeof r) != sizeof r)
                die("result pipe closed early: a worker died");
            if (r.count < 1 || r.count > RESULT_MAX || r.first < 0 ||
                (size_t)r.first + (size_t)r.count > job->n)
                die("garbled result message");
            size_t bytes = (size_t)r.count * sizeof *squares;
            if (Read_full(result[0], squares + r.first, bytes) != bytes)
                die("short result message");
            received += (size_t)r.count;
        }
    }
    if (task_fd >= 0)
        Close(task_fd);
    Close(result[0]);
    for (int i = 0; i < job->workers; i++) {
        int status;
        Waitpid(pids[i], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("worker %d (pid %d) failed", i, (int)pids[i]);
    }
    free(pids);
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-w WORKERS] [-c CHUNK] [-r ROUNDS] [-v] [N...]");
    long cpus = online_cpus();
    struct job job = { .workers = (int)(cpus < MAX_WORKERS ? cpus : MAX_WORKERS) };
    long long chunk = 0;
    int opt;
    while ((opt = getopt(argc, argv, ":w:c:r:v")) != -1) {
        switch (opt) {
        case 'w': job.workers = (int)parse_ll("-w WORKERS", optarg, 1, MAX_WORKERS); break;
        case 'c': chunk = parse_ll("-c CHUNK", optarg, 1, LLONG_MAX); break;
        case 'r': job.rounds = parse_ll("-r ROUNDS", optarg, 0, LLONG_MAX); break;
        case 'v': job.verbose = 1; break;
        default: bad_option(opt);
        }
    }

    int64_t *nums;
    if (optind < argc) { /* numbers from the command line */
        job.n = (size_t)(argc - optind);
        nums = Malloc(job.n * sizeof *nums);
        for (size_t i = 0; i < job.n; i++)
            nums[i] = parse_number(argv[optind + (int)i]);
    } else {
        nums = read_stdin(&job.n);
    }
    job.nums = nums;
    /* Pool.map's default: about four chunks per worker, so the load can even out. */
    size_t quarter = 4 * (size_t)job.workers;
    job.chunk = chunk ? (size_t)chunk : (job.n + quarter - 1) / quarter;
    if (job.chunk == 0 || job.chunk > job.n)
        job.chunk = job.n ? job.n : 1;

    int64_t *squares = Calloc(job.n, sizeof *squares);
    map_squares(&job, squares);

    putchar('[');
    for (size_t i = 0; i < job.n; i++)
        printf(i ? ", %lld" : "%lld", (long long)squares[i]);
    printf("]\n");
    free(squares);
    free(nums);
    return 0;
}
