/*
 * The incumbents of bench/protect (they run outside glean, as incumbents do). One binary, one mode per use:
 *
 *   cpu SECONDS THREADS            CPU throughput: hash rounds on THREADS threads for SECONDS; prints rounds.
 *   rr SECONDS RATE WORKERS WORK   a request/response server (WORKERS threads, one TCP connection each, on
 *                                  loopback) and an open-loop client sending RATE requests/s on a fixed schedule;
 *                                  each request costs WORK rounds (sort 1024 ints + hash them). Latency is taken
 *                                  from each request's SCHEDULED send time, so a late sender or a queue counts.
 *   disk SECONDS DIR               a database-like writer: 4 KiB write + fdatasync, back to back, on one thread.
 *   spin                           a CPU hog (the secondaries of the baselines and of glean run `sh` loops; this
 *                                  one is for quick experiments).
 *
 * Output: one line "key=value ..." with done, throughput per second, p50/p99 in microseconds, the process's CPU
 * seconds (getrusage: user + system of all its threads).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* One round of "request work": sort 1024 pseudo-random ints, then hash them (FNV-1a). */
static uint64_t work_round(uint64_t seed) {
    int v[1024];
    uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int i = 0; i < 1024; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        v[i] = (int)(x & 0x7fffffff);
    }
    qsort(v, 1024, sizeof(int), cmp_int);
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 1024; i++) {
        h = (h ^ (uint64_t)v[i]) * 1099511628211ULL;
    }
    return h;
}

static void percentiles(int64_t *lat, long n, double *p50, double *p99, double *max) {
    if (n == 0) { *p50 = *p99 = *max = 0; return; }
    qsort(lat, n, sizeof(int64_t), cmp_i64);
    *p50 = lat[(long)(0.50 * (n - 1))] / 1000.0;
    *p99 = lat[(long)(0.99 * (n - 1))] / 1000.0;
    *max = lat[n - 1] / 1000.0;
}

/* ---- cpu ---- */
static volatile int stop_flag;
static long rounds_done[64];

static void *cpu_thread(void *arg) {
    long id = (long)arg, n = 0;
    uint64_t h = (uint64_t)id;
    while (!stop_flag) {
        h ^= work_round(h + n);
        n++;
    }
    rounds_done[id] = n + (h == 42); /* keeps h alive */
    return NULL;
}

static int run_cpu(int seconds, int threads) {
    pthread_t t[64];
    if (threads > 64) threads = 64;
    int64_t t0 = now_ns();
    for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, cpu_thread, (void *)i);
    sleep(seconds);
    stop_flag = 1;
    long total = 0;
    for (int i = 0; i < threads; i++) { pthread_join(t[i], NULL); total += rounds_done[i]; }
    double secs = (now_ns() - t0) / 1e9;
    printf("done=%ld per_s=%.1f p50_us=0 p99_us=0 cpu_s=%.3f\n", total, total / secs, cpu_seconds());
    return 0;
}

/* ---- rr ---- */
struct msg { int64_t seq; int64_t scheduled; };
static int work_rounds;
static int64_t *latency;   /* by seq; -1 while outstanding */
static long total_requests;

static int read_full(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; return -1; }
        got += r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n) {
    size_t put = 0;
    while (put < n) {
        ssize_t r = write(fd, (const char *)buf + put, n - put);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; return -1; }
        put += r;
    }
    return 0;
}

static void *server_worker(void *arg) {
    int fd = (int)(long)arg;
    struct msg m;
    while (read_full(fd, &m, sizeof m) == 0) {
        uint64_t h = (uint64_t)m.seq;
        for (int i = 0; i < work_rounds; i++) h ^= work_round(h + i);
        m.seq |= (int64_t)(h & 0) ; /* the work's result is used, the reply stays the request */
        if (write_full(fd, &m, sizeof m) != 0) break;
    }
    close(fd);
    return NULL;
}

static void *client_reader(void *arg) {
    int fd = (int)(long)arg;
    struct msg m;
    while (read_full(fd, &m, sizeof m) == 0) {
        int64_t t = now_ns();
        if (m.seq >= 0 && m.seq < total_requests) latency[m.seq] = t - m.scheduled;
    }
    return NULL;
}

static int run_rr(int seconds, int rate, int workers, int rounds) {
    work_rounds = rounds;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 64) != 0) { perror("listen"); return 1; }
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    int conns[64];
    pthread_t tw[64], tr[64];
    if (workers > 64) workers = 64;
    for (int i = 0; i < workers; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int s = accept(ls, NULL, NULL);
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[i] = c;
        pthread_create(&tw[i], NULL, server_worker, (void *)(long)s);
        pthread_create(&tr[i], NULL, client_reader, (void *)(long)c);
    }
    total_requests = (long)seconds * rate;
    latency = malloc(sizeof(int64_t) * total_requests);
    for (long i = 0; i < total_requests; i++) latency[i] = -1;
    double cpu0 = cpu_seconds();
    int64_t start = now_ns() + 10000000LL, interval = 1000000000LL / rate;
    for (long i = 0; i < total_requests; i++) {
        int64_t at = start + i * interval;
        struct timespec ts = { at / 1000000000LL, at % 1000000000LL };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
        struct msg m = { i, at };
        write_full(conns[i % workers], &m, sizeof m);
    }
    /* outstanding requests get one more second */
    int64_t deadline = now_ns() + 1000000000LL;
    long done = 0;
    while (now_ns() < deadline) {
        done = 0;
        for (long i = 0; i < total_requests; i++) done += latency[i] >= 0;
        if (done == total_requests) break;
        usleep(10000);
    }
    double secs = (now_ns() - start) / 1e9;
    double cpu = cpu_seconds() - cpu0;
    int64_t *l = malloc(sizeof(int64_t) * total_requests);
    long n = 0;
    for (long i = 0; i < total_requests; i++) if (latency[i] >= 0) l[n++] = latency[i];
    double p50, p99, mx;
    percentiles(l, n, &p50, &p99, &mx);
    printf("done=%ld sent=%ld per_s=%.1f p50_us=%.0f p99_us=%.0f max_us=%.0f cpu_s=%.3f secs=%.2f\n", n, total_requests,
           n / (double)seconds, p50, p99, mx, cpu, secs);
    fflush(stdout);
    _exit(0); /* threads blocked in read: no orderly join needed */
}

/* ---- disk ---- */
static int run_disk(int seconds, const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/protect-wal.%d", dir, (int)getpid());
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) { perror(path); return 1; }
    unlink(path);
    char block[4096];
    memset(block, 'x', sizeof block);
    long cap = 1000000, n = 0;
    int64_t *lat = malloc(sizeof(int64_t) * cap);
    int64_t t0 = now_ns(), end = t0 + (int64_t)seconds * 1000000000LL;
    off_t off = 0;
    while (now_ns() < end && n < cap) {
        int64_t a = now_ns();
        if (pwrite(fd, block, sizeof block, off) != (ssize_t)sizeof block) { perror("pwrite"); return 1; }
        fdatasync(fd);
        off += sizeof block;
        if (off >= 64L << 20) off = 0; /* a 64 MiB ring, like a log that is recycled */
        lat[n++] = now_ns() - a;
    }
    double secs = (now_ns() - t0) / 1e9;
    double p50, p99, mx;
    long done = n;
    percentiles(lat, n, &p50, &p99, &mx);
    printf("done=%ld per_s=%.1f p50_us=%.0f p99_us=%.0f max_us=%.0f cpu_s=%.3f\n", done, done / secs, p50, p99, mx,
           cpu_seconds());
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "cpu") == 0) return run_cpu(atoi(argv[2]), atoi(argv[3]));
    if (argc >= 6 && strcmp(argv[1], "rr") == 0) return run_rr(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc >= 4 && strcmp(argv[1], "disk") == 0) return run_disk(atoi(argv[2]), argv[3]);
    if (argc >= 2 && strcmp(argv[1], "spin") == 0) { for (;;) {} }
    if (argc >= 3 && strcmp(argv[1], "calibrate") == 0) {
        int64_t t = now_ns();
        uint64_t h = 0;
        for (int i = 0; i < atoi(argv[2]); i++) h ^= work_round(h + i);
        printf("one round: %.1f us (%llu)\n", (now_ns() - t) / 1e3 / atoi(argv[2]), (unsigned long long)(h & 1));
        return 0;
    }
    fprintf(stderr, "usage: cpu SECONDS THREADS | rr SECONDS RATE WORKERS WORK | disk SECONDS DIR | spin\n");
    return 2;
}
