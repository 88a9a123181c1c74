/* variant: no pool: a new child is forked for every number (at most WORKERS alive at once)
 * expect-fail: pool
 * expect-pass: output usage reaped leaks warnings
 * expect-message: pool: forked */
/* square_map - Python's Pool.map(square, numbers) with a pool of forked processes.
 *
 * main forks WORKERS processes once. Each worker has its own task pipe; main hands
 * a chunk to whichever worker has just returned its previous one, so at most one
 * chunk per worker is in flight and neither side can block forever on a full pipe.
 * Workers share one result pipe: every result message is at most PIPE_BUF bytes,
 * so POSIX keeps it whole however many workers write at once, and it carries the
 * input position of its first square, so main can put results back in order. */
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

/* Reads one child's answer into squares and reaps one child. */
static void collect_one(int fd, int64_t *squares, size_t n)
{
    struct {
        struct result hdr;
        int64_t sq;
    } msg;
    if (Read_full(fd, &msg, sizeof msg) != sizeof msg || msg.hdr.first < 0 || (size_t)msg.hdr.first >= n)
        die("short or garbled result");
    squares[msg.hdr.first] = msg.sq;
    Waitpid(-1, NULL, 0);
}

/* squares[i] = nums[i] squared: a fresh child for every number, at most job->workers at a time. */
static void map_squares(const struct job *job, int64_t *squares)
{
    int fds[2];
    Pipe(fds);
    fflush(stdout);
    size_t running = 0;
    for (size_t i = 0; i < job->n; i++) {
        if (running == (size_t)job->workers) {
            collect_one(fds[0], squares, job->n);
            running--;
        }
        if (Fork() == 0) {
            Close(fds[0]);
            struct {
                struct result hdr;
                int64_t sq;
            } msg = { { 0, 1, (int64_t)i }, square_item(job->nums[i], job->rounds, job->verbose) };
            Write_all(fds[1], &msg, sizeof msg);
            Close(fds[1]);
            _exit(0);
        }
        running++;
    }
    for (; running > 0; running--)
        collect_one(fds[0], squares, job->n);
    Close(fds[0]);
    Close(fds[1]);
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
