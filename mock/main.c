/* signals-mock: command line, daemon start, and the watch loop that ends it
 * (a signal, the parent process gone, or the time-to-live spent). */
#define _GNU_SOURCE
#include "mock.h"
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WATCH_INTERVAL_MS 200

static void usage(FILE *out)
{
    fputs("usage: signals-mock [--port N] [--host 127.0.0.1] [--port-file PATH]\n"
          "                    [--parent-pid PID] [--ttl SECONDS] [--delay-ms N]\n"
          "                    [--cache-ttl SECONDS] [--api-key KEY]\n"
          "A local emulation of the Saber Signals API; see mock/README.md.\n",
          out);
}

static bool number_arg(const char *name, const char *value, long min, long max, long *out)
{
    if (parse_long(value, min, max, out))
        return true;
    fprintf(stderr, "signals-mock: --%s wants a whole number in [%ld, %ld], not '%s'\n", name,
            min, max, value);
    return false;
}

/* Returns 0 to run, 1 when --help was served, -1 on a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {
        { "port", required_argument, NULL, 'p' },
        { "host", required_argument, NULL, 'H' },
        { "port-file", required_argument, NULL, 'f' },
        { "parent-pid", required_argument, NULL, 'P' },
        { "ttl", required_argument, NULL, 't' },
        { "delay-ms", required_argument, NULL, 'd' },
        { "cache-ttl", required_argument, NULL, 'c' },
        { "api-key", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct options){ .port = 0, .host = "127.0.0.1", .ttl_s = 3600, .delay_ms = 300,
                           .cache_ttl_s = MOCK_CACHE_TTL_S };
    long v;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (!number_arg("port", optarg, 0, 65535, &v))
                return -1;
            o->port = (int)v;
            break;
        case 'H': o->host = optarg; break;
        case 'f': o->port_file = optarg; break;
        case 'P':
            if (!number_arg("parent-pid", optarg, 1, 0x7fffffff, &o->parent_pid))
                return -1;
            break;
        case 't':
            if (!number_arg("ttl", optarg, 0, 100L * 365 * 86400, &o->ttl_s))
                return -1;
            break;
        case 'd':
            if (!number_arg("delay-ms", optarg, 0, 86400000L, &o->delay_ms))
                return -1;
            break;
        case 'c':
            if (!number_arg("cache-ttl", optarg, 0, CACHE_TTL_MAX_S, &o->cache_ttl_s))
                return -1;
            break;
        case 'k': o->api_key = optarg; break;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "signals-mock: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* The mock has no authentication of its own beyond the API key check, so it
 * only ever listens on a loopback address. */
static bool loopback_address(const char *host, struct sockaddr_in *addr)
{
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &addr->sin_addr) != 1)
        return false;
    return (ntohl(addr->sin_addr.s_addr) >> 24) == 127;
}

/* Written under a temporary name and renamed, so a reader polling the file
 * never sees half a port number. */
static bool write_port_file(const char *path, int port)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    bool ok = f && fprintf(f, "%d\n", port) > 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "signals-mock: cannot write %s: %s\n", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok;
}

static bool process_gone(long pid)
{
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return true;
    /* A dead parent that nobody reaped yet still answers kill(). */
    char path[64], state = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
        state = 0;
    fclose(f);
    return state == 'Z' || state == 'X';
}

/* Blocks until it is time to stop; returns why. */
static const char *watch(const struct options *o, const sigset_t *stop_signals)
{
    int64_t deadline = o->ttl_s ? now_ms() + o->ttl_s * 1000 : 0;
    for (;;) {
        struct timespec tick = { 0, WATCH_INTERVAL_MS * 1000000L };
        int sig = sigtimedwait(stop_signals, NULL, &tick);
        if (sig == SIGTERM)
            return "SIGTERM";
        if (sig == SIGINT)
            return "SIGINT";
        if (o->parent_pid && process_gone(o->parent_pid))
            return "parent process gone";
        if (deadline && now_ms() >= deadline)
            return "ttl reached";
    }
}

int main(int argc, char **argv)
{
    struct mock m;
    int parsed = parse_options(argc, argv, &m.opt);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    struct sockaddr_in addr;
    if (!loopback_address(m.opt.host, &addr)) {
        fprintf(stderr, "signals-mock: --host must be a loopback IPv4 address, not '%s'\n",
                m.opt.host);
        return 2;
    }
    addr.sin_port = htons((uint16_t)m.opt.port);

    /* Blocked before any thread exists, so that only sigtimedwait() in the
     * main thread ever takes them: no handler, no global flag. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    sleeper_init(&m.sleeper);
    struct store_defaults defaults = mock_store_defaults(&m);
    store_init(&m.store, &defaults);
    reqlog_init(&m.log);
    faults_init(&m.faults);
    ratelimit_init(&m.limiter);
    stats_init(&m.stats);
    pthread_mutex_init(&m.parse_lock, NULL);

    int status = 1;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
            MHD_USE_ERROR_LOG,
        (uint16_t)m.opt.port, NULL, NULL, server_access, &m,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_URI_LOG_CALLBACK, server_begin, &m,
        MHD_OPTION_NOTIFY_COMPLETED, server_end, &m,
        /* room for large request headers (the specs send some) */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
        /* an idle keep-alive connection is dropped after 10 minutes */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)600,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "signals-mock: cannot listen on %s:%d\n", m.opt.host, m.opt.port);
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    int port = info ? info->port : m.opt.port;
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
    printf("signals-mock listening on http://%s:%d\n", host, port);
    fflush(stdout);
    if (m.opt.port_file && !write_port_file(m.opt.port_file, port)) {
        sleeper_stop(&m.sleeper);
        MHD_stop_daemon(d);
        goto out;
    }

    const char *why = watch(&m.opt, &stop_signals);
    fprintf(stderr, "signals-mock: stopping (%s)\n", why);
    /* Wake stalled requests first: MHD_stop_daemon waits for their threads. */
    sleeper_stop(&m.sleeper);
    MHD_stop_daemon(d);
    status = 0;
out:
    pthread_mutex_destroy(&m.parse_lock);
    stats_destroy(&m.stats);
    ratelimit_destroy(&m.limiter);
    faults_destroy(&m.faults);
    reqlog_destroy(&m.log);
    store_destroy(&m.store);
    sleeper_destroy(&m.sleeper);
    return status;
}
