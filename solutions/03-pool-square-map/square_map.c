/* square_map - Python's Pool.map(square, numbers) with a pool of forked processes.
 *
 * main forks WORKERS processes once. Each worker has its own task pipe; main hands
 * a chunk to whichever worker has just returned its previous one, so at most one
 * chunk per worker is in flight and neither side can block forever on a full pipe.
 * Workers share one result pipe: every result message is at most PIPE_BUF bytes,
 * so POSIX keeps it whole however many workers write at once, and it carries the
 * input position of its first square, so main can put results back in order. */
#include <ctype.h>

#include "pcw.h"

#define MAX_WORKERS 256
#define MAX_ABS 3037000499LL /* largest |N| whose square fits in int64 */

struct task {       /* main -> one worker, followed by count numbers */
    int64_t first;  /* input position of the first number */
    int64_t count;
};

struct result {     /* any worker -> main, followed by count squares */
    int32_t worker;
    int32_t count;
    int64_t first;
};

#define RESULT_MAX ((PIPE_BUF - (int)sizeof(struct result)) / (int)sizeof(int64_t))

struct worker {
    pid_t pid;
    int task_fd;     /* main's write end of this worker's task pipe */
    int64_t pending; /* squares of the current chunk not yet received */
};

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
    /* The common case, a short plain number, without strtoll's generality. */
    const char *d = text + (*text == '-');
    int64_t value = 0;
    int digits = 0;
    while (*d >= '0' && *d <= '9' && digits < 11)
        value = value * 10 + (*d++ - '0'), digits++;
    if (*d == '\0' && digits > 0 && digits < 11 && value <= MAX_ABS)
        return *text == '-' ? -value : value;

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
    for (char *p = text;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        char *word = p;
        while (*p != '\0' && !isspace((unsigned char)*p))
            p++;
        if (*p != '\0')
            *p++ = '\0';
        if (count == room)
            nums = Realloc(nums, (room *= 2) * sizeof *nums);
        nums[count++] = parse_number(word);
    }
    free(text);
    *n = count;
    return nums;
}

/* A worker's whole life: square chunks until main closes its task pipe. */
static void worker_loop(const struct job *job, int id, int task_fd, int result_fd)
{
    int64_t *chunk = NULL;
    size_t room = 0;
    struct task t;
    while (Read_full(task_fd, &t, sizeof t) == sizeof t) {
        size_t bytes = (size_t)t.count * sizeof *chunk;
        if ((size_t)t.count > room)
            chunk = Realloc(chunk, (room = (size_t)t.count) * sizeof *chunk);
        if (Read_full(task_fd, chunk, bytes) != bytes)
            die("worker %d: short chunk", id);
        for (int64_t done = 0; done < t.count;) {
            struct {
                struct result hdr;
                int64_t sq[RESULT_MAX];
            } msg;
            int k = 0;
            for (; k < RESULT_MAX && done < t.count; k++, done++)
                msg.sq[k] = square_item(chunk[done], job->rounds, job->verbose);
            msg.hdr = (struct result){ .worker = id, .count = k, .first = t.first + done - k };
            /* At most PIPE_BUF bytes: one atomic write, never mixed with another worker's. */
            Write_all(result_fd, &msg, sizeof msg.hdr + (size_t)k * sizeof msg.sq[0]);
        }
    }
    free(chunk);
}

/* Hands w the next chunk of the input, if any is left. */
static void send_chunk(const struct job *job, struct worker *w, size_t *next)
{
    if (*next == job->n)
        return;
    size_t left = job->n - *next;
    struct task t = { .first = (int64_t)*next, .count = (int64_t)(left < job->chunk ? left : job->chunk) };
    Write_all(w->task_fd, &t, sizeof t);
    Write_all(w->task_fd, job->nums + t.first, (size_t)t.count * sizeof *job->nums);
    w->pending = t.count;
    *next += (size_t)t.count;
}

/* squares[i] = nums[i] squared, computed by a pool of job->workers processes. */
static void map_squares(const struct job *job, int64_t *squares)
{
    int result_pipe[2], task_pipe[MAX_WORKERS][2];
    struct worker pool[MAX_WORKERS];
    Pipe(result_pipe);
    for (int i = 0; i < job->workers; i++)
        Pipe(task_pipe[i]);
    fflush(stdout); /* nothing buffered may be inherited and printed twice */

    /* The pool is forked once: a fork costs far more than squaring a number. */
    for (int i = 0; i < job->workers; i++) {
        if ((pool[i].pid = Fork()) == 0) {
            /* Keep only our task read end and the result write end: a stray write
             * end would hide the end of file main uses to say "no more chunks".
             * main has already closed the read ends of earlier workers' pipes. */
            for (int j = 0; j < job->workers; j++) {
                Close(task_pipe[j][1]);
                if (j > i)
                    Close(task_pipe[j][0]);
            }
            Close(result_pipe[0]);
            worker_loop(job, i, task_pipe[i][0], result_pipe[1]);
            Close(task_pipe[i][0]);
            Close(result_pipe[1]);
            _exit(0);
        }
        pool[i].task_fd = task_pipe[i][1];
        pool[i].pending = 0;
        Close(task_pipe[i][0]);
    }
    Close(result_pipe[1]);

    /* One chunk per worker in flight: a worker gets its next chunk only when it has
     * returned the last, so it is always reading when main writes to it. */
    size_t next = 0, received = 0;
    for (int i = 0; i < job->workers; i++)
        send_chunk(job, &pool[i], &next);
    while (received < job->n) {
        struct result r;
        if (Read_full(result_pipe[0], &r, sizeof r) != sizeof r)
            die("result pipe closed early: a worker died");
        if (r.worker < 0 || r.worker >= job->workers || r.count < 1 || r.count > RESULT_MAX ||
            r.first < 0 || (size_t)r.first + (size_t)r.count > job->n)
            die("garbled result message");
        size_t bytes = (size_t)r.count * sizeof *squares;
        if (Read_full(result_pipe[0], squares + r.first, bytes) != bytes)
            die("short result message");
        received += (size_t)r.count;
        if ((pool[r.worker].pending -= r.count) == 0)
            send_chunk(job, &pool[r.worker], &next);
    }

    /* No more chunks: each worker reads end of file on its task pipe and exits. */
    for (int i = 0; i < job->workers; i++)
        Close(pool[i].task_fd);
    Close(result_pipe[0]);
    for (int i = 0; i < job->workers; i++) {
        int status;
        Waitpid(pool[i].pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("worker %d (pid %d) failed", i, (int)pool[i].pid);
    }
}

/* Python's list syntax, formatted by hand into one buffer: a printf per number would
 * cost more than the whole pool does. Squares are never negative. */
static void print_list(const int64_t *squares, size_t n)
{
    char *text = Malloc(n * 22 + 3), *p = text;
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        char digits[20];
        int k = 0;
        uint64_t x = (uint64_t)squares[i];
        do
            digits[k++] = (char)('0' + x % 10);
        while ((x /= 10) != 0);
        if (i > 0)
            *p++ = ',', *p++ = ' ';
        while (k > 0)
            *p++ = digits[--k];
    }
    *p++ = ']';
    *p++ = '\n';
    Write_all(STDOUT_FILENO, text, (size_t)(p - text));
    free(text);
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
    size_t parts = 4 * (size_t)job.workers;
    job.chunk = chunk ? (size_t)chunk : (job.n + parts - 1) / parts;
    if (job.chunk == 0 || job.chunk > job.n)
        job.chunk = job.n ? job.n : 1;

    int64_t *squares = Calloc(job.n, sizeof *squares);
    map_squares(&job, squares);

    print_list(squares, job.n);
    free(squares);
    free(nums);
    return 0;
}
