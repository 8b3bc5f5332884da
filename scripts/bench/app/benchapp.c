/*
 * benchapp: the "app" that scripts/bench.sh runs under each init.
 *
 * Built by scripts/bench.sh with `gcc -O2 -static`; it is not part of
 * hookinit. Every mode that the harness waits on writes one byte 'R' to
 * stdout once it is ready (handlers installed, helpers started).
 *
 *   benchapp relay            SIGTERM handler writes CLOCK_MONOTONIC (int64 ns,
 *                             native endian) to stdout and _exits 0
 *   benchapp idle             pause() forever (default SIGTERM disposition)
 *   benchapp stop             SIGTERM handler _exits 0 at once
 *   benchapp stopleft K DIR MS
 *                             start K leftovers, each in its own session, whose
 *                             SIGTERM handler sleeps MS ms, creates DIR/left.<i>
 *                             and _exits; then behave like "stop"
 *   benchapp reap N P B       (run as PID 2 under an init that is PID 1 of a
 *                             PID namespace) P worker processes together create
 *                             N orphans by double fork, B orphans per
 *                             intermediate process; a watcher thread scans
 *                             /proc every millisecond and counts zombies; prints
 *                             one result line once no zombie and no orphan is
 *                             left (or after a 120 s timeout)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void write_all(int fd, const void *buf, size_t n) {
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void ready(void) { write_all(1, "R", 1); }

static void on_term_relay(int sig) {
	(void)sig;
	int64_t t = now_ns();
	write_all(1, &t, sizeof t);
	_exit(0);
}

static void on_term_exit(int sig) {
	(void)sig;
	_exit(0);
}

static void handle(int sig, void (*fn)(int)) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void forever(void) {
	for (;;)
		pause();
}

/* ---- stopleft ---- */

static const char *left_dir;
static int left_ms;
static int left_idx;

static void on_term_left(int sig) {
	(void)sig;
	struct timespec ts = {left_ms / 1000, (long)(left_ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/left.%d", left_dir, left_idx);
	if (n > 0 && (size_t)n < sizeof path) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

static int mode_stopleft(int k, const char *dir, int ms) {
	int p[2];
	if (pipe(p) != 0)
		return 1;
	left_dir = dir;
	left_ms = ms;
	for (int i = 0; i < k; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(p[0]);
			setsid();
			left_idx = i;
			alarm(600);
			handle(SIGTERM, on_term_left);
			int fd = open("/dev/null", O_RDWR);
			if (fd >= 0) {
				dup2(fd, 0);
				dup2(fd, 1);
				if (fd > 2)
					close(fd);
			}
			write_all(p[1], "r", 1);
			close(p[1]);
			forever();
		}
	}
	close(p[1]);
	char c;
	for (int got = 0; got < k;) {
		ssize_t r = read(p[0], &c, 1);
		if (r == 1)
			got++;
		else if (r == 0 || errno != EINTR)
			return 1;
	}
	close(p[0]);
	handle(SIGTERM, on_term_exit);
	ready();
	forever();
	return 0;
}

/* ---- reap ---- */

static volatile int watch_stop;
static int max_zombies, max_procs;

/* count processes and zombies visible in /proc (the namespace's own /proc) */
static void scan(int *procs, int *zombies) {
	int np = 0, nz = 0;
	DIR *d = opendir("/proc");
	if (!d) {
		*procs = *zombies = -1;
		return;
	}
	struct dirent *e;
	char path[300], buf[512];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		np++;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		char *rp = strrchr(buf, ')');
		if (rp && rp[1] == ' ' && rp[2] == 'Z')
			nz++;
	}
	closedir(d);
	*procs = np;
	*zombies = nz;
}

static void *watcher(void *arg) {
	(void)arg;
	struct timespec ts = {0, 1000000L};
	while (!watch_stop) {
		int p, z;
		scan(&p, &z);
		if (z > max_zombies)
			max_zombies = z;
		if (p > max_procs)
			max_procs = p;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static int batch = 1;

/* CPU time (utime + stime, ms) that PID 1, the init, has used so far */
static double init_cpu_ms(void) {
	char buf[1024];
	int fd = open("/proc/1/stat", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ')': state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime */
	unsigned long long ut = 0, st = 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static void worker(int n) {
	for (int i = 0; i < n; i += batch) {
		pid_t pid = fork();
		if (pid < 0) {
			/* out of pids or memory: wait a little and retry */
			usleep(1000);
			i -= batch;
			continue;
		}
		if (pid == 0) {
			/* the intermediate: start up to `batch` grandchildren that
			 * _exit at once, then _exit without waiting, so each of them
			 * becomes an orphan (a zombie that PID 1 must reap) */
			int m = n - i < batch ? n - i : batch;
			for (int j = 0; j < m; j++) {
				pid_t g = fork();
				if (g == 0)
					_exit(0);
				if (g < 0) {
					usleep(1000);
					j--;
				}
			}
			_exit(0);
		}
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
	}
}

static int mode_reap(int n, int p, int b) {
	if (p < 1)
		p = 1;
	batch = b < 1 ? 1 : b;
	int base_procs, base_z;
	scan(&base_procs, &base_z); /* the init (1 or more processes) and us */
	double cpu0 = init_cpu_ms();
	int64_t t0 = now_ns();
	pthread_t th;
	pthread_create(&th, NULL, watcher, NULL);
	pid_t *w = calloc((size_t)p, sizeof *w);
	for (int i = 0; i < p; i++) {
		int share = n / p + (i < n % p ? 1 : 0);
		w[i] = fork();
		if (w[i] == 0) {
			worker(share);
			_exit(0);
		}
	}
	for (int i = 0; i < p; i++)
		while (waitpid(w[i], NULL, 0) < 0 && errno == EINTR) {
		}
	int64_t t_forked = now_ns();
	int procs = 0, zombies = 0;
	int64_t deadline = t0 + 120LL * 1000000000LL;
	for (;;) {
		scan(&procs, &zombies);
		if (zombies == 0 && procs <= base_procs)
			break;
		if (now_ns() > deadline)
			break;
		usleep(100);
	}
	int64_t t_end = now_ns();
	watch_stop = 1;
	pthread_join(th, NULL);
	if (zombies > max_zombies)
		max_zombies = zombies;
	double cpu1 = init_cpu_ms();
	printf("reap n=%d workers=%d batch=%d forked_ms=%.3f total_ms=%.3f max_zombies=%d max_procs=%d "
	       "zombies_left=%d procs_left=%d base_procs=%d base_zombies=%d init_cpu_ms=%.0f\n",
	       n, p, batch, (t_forked - t0) / 1e6, (t_end - t0) / 1e6, max_zombies, max_procs, zombies,
	       procs, base_procs, base_z, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1.0);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: benchapp relay|idle|stop|stopleft K DIR MS|reap N P B\n");
		return 2;
	}
	const char *m = argv[1];
	/* a safety net: never outlive a harness that died (the leftovers of
	 * "stopleft" set their own alarm; fork does not inherit it) */
	alarm(600);
	if (strcmp(m, "relay") == 0) {
		handle(SIGTERM, on_term_relay);
		ready();
		forever();
	} else if (strcmp(m, "idle") == 0) {
		ready();
		forever();
	} else if (strcmp(m, "stop") == 0) {
		handle(SIGTERM, on_term_exit);
		ready();
		forever();
	} else if (strcmp(m, "stopleft") == 0 && argc == 5) {
		return mode_stopleft(atoi(argv[2]), argv[3], atoi(argv[4]));
	} else if (strcmp(m, "reap") == 0 && argc == 5) {
		return mode_reap(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	}
	fprintf(stderr, "benchapp: bad arguments\n");
	return 2;
}
