/* square_map - Python's Pool.map(square, numbers) with a pool of forked processes.
 * Your part: the TODOs below. Build: make chapters; check: make grade CH=03.
 *
 * The plan: main forks WORKERS processes once. Each worker has its own task pipe; main
 * sends a chunk to whichever worker has just returned its previous one. All workers
 * send results back on one shared result pipe, in messages of at most PIPE_BUF bytes,
 * each tagged with the input position of its first square. */
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

/* One item: ROUNDS of xorshift that do not change the result, the -v line, the square.
 * Given; call it in the workers (not static, so the compiler does not complain while unused). */
int64_t square_item(int64_t x, long long rounds, int verbose)
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

/* A worker's whole life: square chunks until main closes its task pipe.
 * (This and send_chunk are not static, so the compiler does not complain while unused.) */
void worker_loop(const struct job *job, int id, int task_fd, int result_fd)
{
    /* TODO 2: until task_fd reaches end of file, read a struct task and then its
     *         t.count numbers (Read_full), square each with square_item(), and send the
     *         squares to result_fd in messages of at most PIPE_BUF bytes: a struct result
     *         (your id, how many, input position of the first) followed by up to
     *         RESULT_MAX squares, each message in ONE Write_all so workers never mix. */
    (void)job, (void)id, (void)task_fd, (void)result_fd;
}

/* Hands w the next chunk of the input (job->chunk numbers from position *next), if any is left. */
void send_chunk(const struct job *job, struct worker *w, size_t *next)
{
    /* TODO 3: write a struct task and then the chunk's numbers to w->task_fd,
     *         set w->pending to the chunk's size and advance *next past it. */
    (void)job, (void)w, (void)next;
}

/* squares[i] = nums[i] squared, computed by a pool of job->workers processes. */
static void map_squares(const struct job *job, int64_t *squares)
{
    /* TODO 1: make one result pipe and one task pipe per worker, then fork the pool
     *         ONCE: job->workers children. Each child closes every pipe end it does not
     *         use, runs worker_loop and _exit(0)s. main keeps each worker's pid and task
     *         write end in a struct worker and closes the ends it does not use.
     *         (fflush(stdout) before forking.) */

    /* TODO 4: send every worker its first chunk; then, until all job->n squares are in,
     *         read a struct result and its squares straight into squares + r.first, and
     *         when a worker's whole chunk is back send it the next one. */

    /* TODO 5: close the task pipes (end of file tells the workers to exit), close the
     *         result pipe, and Waitpid every worker. */
    (void)job, (void)squares;
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
