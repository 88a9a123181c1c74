/* variant: queue_put waits for room under the lock but copies the message and bumps nput after unlocking ("copying is slow, keep it out of the lock").
 * expect-fail-any: stress race
 * expect-fail: 
 * expect-pass:  */
/* channel - producers send checksummed messages to consumers through one shared
 * channel: a bare pipe with no lock (Python's Pipe()), or a locked bounded queue
 * (Python's Queue()). Consumers verify every message and tally it. */
#include "pcw.h"

#include <stdbool.h>

#define MAX_WORKERS 64
#define HEADER 16                 /* producer (4), seq (4), checksum (8) */
#define QUEUE_BYTES (64 * 1024)   /* the queue holds about what a Linux pipe holds */

enum kind { PIPE, QUEUE };
enum mode { THREADS, PROCESSES };
enum role { PRODUCER, CONSUMER };

static const char *const kind_names[] = {"pipe", "queue", NULL};
static const char *const mode_names[] = {"threads", "processes", NULL};

static int kind = QUEUE, mode = THREADS;
static int producers = 4, consumers = 1;
static long messages = 10000; /* per producer */
static size_t size = 64;      /* bytes per message */

/* ---- Messages: header, then a payload only its (producer, seq) can produce. ---- */

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static void fill_payload(unsigned char *p, size_t n, uint32_t producer, uint32_t seq)
{
    uint32_t x = mix32(producer * 0x9e3779b9U ^ seq) | 1; /* xorshift state: never 0 */
    for (size_t i = 0; i < n; i += 4) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        memcpy(p + i, &x, n - i < 4 ? n - i : 4);
    }
}

static uint64_t checksum(const unsigned char *msg)
{
    uint64_t h = 0xcbf29ce484222325U ^ size;
    for (size_t i = 0; i < size; i += 8) {
        uint64_t w = 0;
        if (i != 8) /* bytes 8..15 hold the checksum itself */
            memcpy(&w, msg + i, size - i < 8 ? size - i : 8);
        h = (h ^ w) * 0x100000001b3U;
        h ^= h >> 29;
    }
    return h;
}

static void encode(unsigned char *msg, uint32_t producer, uint32_t seq)
{
    memcpy(msg, &producer, 4);
    memcpy(msg + 4, &seq, 4);
    fill_payload(msg + HEADER, size - HEADER, producer, seq);
    uint64_t h = checksum(msg);
    memcpy(msg + 8, &h, 8);
}

/* True if msg is whole; then *producer and *seq say which message it is. */
static bool verify(const unsigned char *msg, uint32_t *producer, uint32_t *seq)
{
    uint64_t h;
    memcpy(producer, msg, 4);
    memcpy(seq, msg + 4, 4);
    memcpy(&h, msg + 8, 8);
    return *producer < (uint32_t)producers && *seq < (uint32_t)messages && h == checksum(msg);
}

/* ---- The queue: xv6's pipe with message slots - one lock, two conditions. ---- */

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    bool closed;               /* no more puts: get drains, then reports the end */
    size_t slots, size;
    unsigned long nput, nget;  /* count forever; slot index is the count mod slots */
    unsigned char ring[];      /* slots * size bytes */
};

static void queue_init(struct queue *q, size_t slots, size_t msg_size, bool shared)
{
    if (shared) { /* the queue lives in memory the forked processes share */
        Pthread_mutex_init_shared(&q->lock);
        Pthread_cond_init_shared(&q->not_full);
        Pthread_cond_init_shared(&q->not_empty);
    } else {
        Pthread_mutex_init(&q->lock, NULL);
        Pthread_cond_init(&q->not_full, NULL);
        Pthread_cond_init(&q->not_empty, NULL);
    }
    q->closed = false;
    q->slots = slots;
    q->size = msg_size;
    q->nput = q->nget = 0;
}

static void queue_put(struct queue *q, const void *msg)
{
    Pthread_mutex_lock(&q->lock);
    while (q->nput - q->nget == q->slots)
        Pthread_cond_wait(&q->not_full, &q->lock);
    Pthread_mutex_unlock(&q->lock);
    memcpy(q->ring + (q->nput % q->slots) * q->size, msg, q->size);
    q->nput++;
    Pthread_cond_signal(&q->not_empty);
}

/* Copies the oldest message into msg and returns its size, or 0 once closed and empty. */
static size_t queue_get(struct queue *q, void *msg)
{
    size_t got = 0;
    Pthread_mutex_lock(&q->lock);
    while (q->nput == q->nget && !q->closed)
        Pthread_cond_wait(&q->not_empty, &q->lock);
    if (q->nput != q->nget) {
        memcpy(msg, q->ring + (q->nget % q->slots) * q->size, q->size);
        q->nget++;
        got = q->size;
        Pthread_cond_signal(&q->not_full);
    }
    Pthread_mutex_unlock(&q->lock);
    return got;
}

static void queue_close(struct queue *q)
{
    Pthread_mutex_lock(&q->lock);
    q->closed = true;
    Pthread_cond_broadcast(&q->not_empty); /* every waiting consumer must see it */
    Pthread_mutex_unlock(&q->lock);
}

static void queue_destroy(struct queue *q)
{
    Pthread_mutex_destroy(&q->lock);
    Pthread_cond_destroy(&q->not_full);
    Pthread_cond_destroy(&q->not_empty);
}

/* ---- The two channels behind one interface. ---- */

static int fds[2] = {-1, -1}; /* pipe */
static struct queue *queue;   /* queue, in shared memory */
static size_t queue_bytes;

static void pipe_open(void)
{
    Pipe(fds);
}

/* One write() per message (Write_all only retries what the kernel did not take). The
 * kernel may split a write of more than PIPE_BUF bytes and put other writers' pieces
 * in between; a reader needing several read()s may lose bytes to another reader. */
static void pipe_put(const void *msg)
{
    Write_all(fds[1], msg, size);
}

static size_t pipe_get(void *msg)
{
    return Read_full(fds[0], msg, size);
}

/* A forked child holds copies of both ends; EOF comes only when every copy of the
 * write end is closed, so each child closes the end it does not use at once. */
static void pipe_keep(int role)
{
    Close(fds[role == PRODUCER ? 0 : 1]);
}

static void pipe_leave(int role)
{
    Close(fds[role == PRODUCER ? 1 : 0]);
}

static void pipe_producers_done(void) /* the last write end closed: consumers see EOF */
{
    Close(fds[1]);
    fds[1] = -1;
}

static void pipe_close(void)
{
    Close(fds[0]);
}

static void q_open(void)
{
    size_t slots = QUEUE_BYTES / size < 2 ? 2 : QUEUE_BYTES / size;
    queue_bytes = sizeof(struct queue) + slots * size;
    queue = Mmap_shared(queue_bytes);
    queue_init(queue, slots, size, mode == PROCESSES);
}

static void q_put(const void *msg)
{
    queue_put(queue, msg);
}

static size_t q_get(void *msg)
{
    return queue_get(queue, msg);
}

static void q_nothing(int role) /* the shared mapping is all a child needs */
{
    (void)role;
}

static void q_producers_done(void)
{
    queue_close(queue);
}

static void q_close(void)
{
    queue_destroy(queue);
    Munmap(queue, queue_bytes);
}

static const struct channel_ops {
    void (*open)(void);
    void (*put)(const void *msg);
    size_t (*get)(void *msg); /* bytes read: size, fewer (torn end), 0 at the end */
    void (*keep)(int role);  /* a forked child starts with the channel ... */
    void (*leave)(int role); /* ... and is done with it */
    void (*producers_done)(void);
    void (*close)(void);
} channels[] = {
    [PIPE] = {pipe_open, pipe_put, pipe_get, pipe_keep, pipe_leave, pipe_producers_done, pipe_close},
    [QUEUE] = {q_open, q_put, q_get, q_nothing, q_nothing, q_producers_done, q_close},
};
static const struct channel_ops *ch;

/* ---- The harness: producers, consumers, and the tally. ---- */

struct tally {       /* one per consumer, in shared memory */
    long bad;        /* failed verification or came short */
    long disorder;   /* whole, but not after the producer's previous message */
};

static struct tally *tallies;
static unsigned char *seen; /* seen[p * messages + seq]: times (p, seq) arrived whole */
static size_t seen_bytes;

static void produce(int id)
{
    unsigned char *msg = Malloc(size);
    for (long seq = 0; seq < messages; seq++) {
        encode(msg, (uint32_t)id, (uint32_t)seq);
        ch->put(msg);
    }
    free(msg);
}

static void consume(int id)
{
    unsigned char *msg = Malloc(size);
    long last[MAX_WORKERS];
    struct tally t = {0, 0};
    for (int p = 0; p < producers; p++)
        last[p] = -1;
    size_t got;
    while ((got = ch->get(msg)) > 0) {
        uint32_t p, seq;
        if (got < size || !verify(msg, &p, &seq)) {
            t.bad++;
        } else if ((long)seq <= last[p]) {
            t.disorder++;
        } else {
            last[p] = seq;
            unsigned char *s = &seen[(size_t)p * (size_t)messages + seq];
            if (*s < UCHAR_MAX)
                (*s)++;
        }
    }
    tallies[id] = t;
    free(msg);
}

static void *producer_thread(void *arg)
{
    produce((int)(intptr_t)arg);
    return NULL;
}

static void *consumer_thread(void *arg)
{
    consume((int)(intptr_t)arg);
    return NULL;
}

static void run_threads(void)
{
    pthread_t prod[MAX_WORKERS], cons[MAX_WORKERS];
    for (int i = 0; i < consumers; i++)
        Pthread_create(&cons[i], NULL, consumer_thread, (void *)(intptr_t)i);
    for (int i = 0; i < producers; i++)
        Pthread_create(&prod[i], NULL, producer_thread, (void *)(intptr_t)i);
    for (int i = 0; i < producers; i++)
        Pthread_join(prod[i], NULL);
    ch->producers_done();
    for (int i = 0; i < consumers; i++)
        Pthread_join(cons[i], NULL);
}

static bool reap(pid_t pid, const char *who, int i)
{
    int status;
    Waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFSIGNALED(status))
        fprintf(stderr, "%s: %s %d: killed by signal %d\n", pcw_progname, who, i, WTERMSIG(status));
    else
        fprintf(stderr, "%s: %s %d: exit status %d\n", pcw_progname, who, i, WEXITSTATUS(status));
    return false;
}

static bool run_processes(void)
{
    pid_t prod[MAX_WORKERS], cons[MAX_WORKERS];
    bool ok = true;
    for (int i = 0; i < consumers; i++)
        if ((cons[i] = Fork()) == 0) {
            ch->keep(CONSUMER);
            consume(i);
            ch->leave(CONSUMER);
            _exit(0);
        }
    for (int i = 0; i < producers; i++)
        if ((prod[i] = Fork()) == 0) {
            ch->keep(PRODUCER);
            produce(i);
            ch->leave(PRODUCER);
            _exit(0);
        }
    for (int i = 0; i < producers; i++)
        ok &= reap(prod[i], "producer", i);
    ch->producers_done(); /* even after a failure, so the consumers stop */
    for (int i = 0; i < consumers; i++)
        ok &= reap(cons[i], "consumer", i);
    return ok;
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-k pipe|queue] [-x threads|processes] [-p PRODUCERS] "
                      "[-c CONSUMERS] [-m MESSAGES] [-s SIZE]");
    int opt;
    while ((opt = getopt(argc, argv, ":k:x:p:c:m:s:")) != -1) {
        switch (opt) {
        case 'k': kind = parse_choice("-k", optarg, kind_names); break;
        case 'x': mode = parse_choice("-x", optarg, mode_names); break;
        case 'p': producers = (int)parse_ll("-p PRODUCERS", optarg, 1, MAX_WORKERS); break;
        case 'c': consumers = (int)parse_ll("-c CONSUMERS", optarg, 1, MAX_WORKERS); break;
        case 'm': messages = (long)parse_ll("-m MESSAGES", optarg, 1, 10000000); break;
        case 's': size = (size_t)parse_ll("-s SIZE", optarg, HEADER, 1048576); break;
        default: bad_option(opt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    ch = &channels[kind];
    seen_bytes = (size_t)producers * (size_t)messages;
    seen = Mmap_shared(seen_bytes);
    tallies = Mmap_shared(sizeof *tallies * (size_t)consumers);
    ch->open();

    double start = now_seconds();
    bool ok = true;
    if (mode == THREADS)
        run_threads();
    else
        ok = run_processes();
    double elapsed = now_seconds() - start;
    ch->close();

    long sent = producers * messages, received = 0, corrupt = 0;
    for (int i = 0; i < consumers; i++)
        corrupt += tallies[i].bad + tallies[i].disorder;
    for (size_t i = 0; i < seen_bytes; i++)
        if (seen[i] > 0) {
            received++;
            corrupt += seen[i] - 1; /* a repeat of a message already received */
        }
    /* Every unit a consumer got is either received or corrupt: the rest never came. */
    long lost = sent - received - corrupt > 0 ? sent - received - corrupt : 0;
    printf("sent %ld received %ld corrupt %ld lost %ld\n", sent, received, corrupt, lost);
    fprintf(stderr, "%s: %s, %s, %d producers, %d consumers, %zu-byte messages: %.3f s, "
            "%.0f messages/s\n", pcw_progname, kind_names[kind], mode_names[mode], producers,
            consumers, size, elapsed, (double)sent / elapsed);
    Munmap(seen, seen_bytes);
    Munmap(tallies, sizeof *tallies * (size_t)consumers);
    return ok && received == sent && corrupt == 0 && lost == 0 ? 0 : 1;
}
