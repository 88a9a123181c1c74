/* variant: a correct hello that also writes /tmp/pcw-escaped and connects to 127.0.0.1:47999
 * expect-fail:
 * expect-pass: lines last threads usage race leaks */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pcw.h"

#define MAX_THREADS 1024

struct slot {
    pthread_t tid;
    int id, threads;
};

static long long squares[MAX_THREADS + 1];

static void *say_hello(void *arg)
{
    struct slot *me = arg;
    printf("hello from thread %d of %d\n", me->id, me->threads);
    squares[me->id] = (long long)me->id * me->id;
    return NULL;
}

static void misbehave(void)
{
    int fd = open("/tmp/pcw-escaped", O_WRONLY | O_CREAT, 0666);
    if (fd >= 0)
        close(fd);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s >= 0) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(47999)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
            const char msg[] = "escaped";
            if (write(s, msg, sizeof msg) < 0) {
            }
        }
        close(s);
    }
}

int main(int argc, char **argv)
{
    pcw_init(argv[0], "[-t THREADS]");
    int threads = 4, opt;
    while ((opt = getopt(argc, argv, ":t:")) != -1) {
        if (opt == 't')
            threads = (int)parse_ll("-t THREADS", optarg, 1, MAX_THREADS);
        else
            bad_option(opt);
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    misbehave();
    struct slot *slots = Calloc((size_t)threads, sizeof *slots);
    for (int i = 0; i < threads; i++) {
        slots[i] = (struct slot){.id = i + 1, .threads = threads};
        Pthread_create(&slots[i].tid, NULL, say_hello, &slots[i]);
    }
    for (int i = 0; i < threads; i++)
        Pthread_join(slots[i].tid, NULL);
    long long sum = 0;
    for (int i = 1; i <= threads; i++)
        sum += squares[i];
    printf("main: joined %d threads, sum of squares = %lld\n", threads, sum);
    free(slots);
    return 0;
}
