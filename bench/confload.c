/*
 * confload: what conf_load() costs for one configuration file: the time
 * it takes and the memory the loaded configuration keeps (issue 17).
 *
 *   confload N FILE [FORMAT]
 *
 * N is the number of domains FILE lists (for the per-domain figures).
 * With FORMAT (a printf format taking one int, e.g. "d%07d.example", the
 * names FILE lists for 1 .. N-1), also LOOKUPS lookups of those names in
 * a pseudo-random order, timed: "lookup_ns=... found=F/LOOKUPS" (the
 * FastCGI program's per-request lookup; conf_find() where it exists,
 * conf_domain_find() in builds before it).
 * One load per process, so every figure starts from the same small heap:
 * the caller runs it once per sample.  Output, one line:
 *
 *   confload: n=N ok=1 ms=T listed=L rss_kb=R0->R1 hwm_kb=H
 *     heap_bytes=B per_domain_rss=X per_domain_heap=Y [lookup_ns=..]
 *
 * ms: wall-clock time of conf_load() (reading and parsing the file);
 * rss_kb: VmRSS before the load and after it, the configuration held;
 * hwm_kb: VmHWM after the load (the peak, the file's text included);
 * heap_bytes: bytes malloc() holds for the loaded configuration
 * (mallinfo2: in use + mmapped, after - before); per_domain_*: the growth
 * divided by N.  A refused file prints "ok=0 ms=T error=MESSAGE" (the
 * message to the end of the line) and exits 1.
 *
 * Build: cc -Icommon -o confload bench/confload.c common/libcore.a
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"

#define LOOKUPS		1000000

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 1 when name is listed in conf. */
static int
listed(const struct conf *conf, const char *name)
{
#ifdef CONF_MAX_SIZE_DEFAULT	/* issue 17: conf_find(), O(1) */
	const struct conf_policy	*pol;

	return conf_find(conf, name, &pol);
#else
	return conf_domain_find(conf, name) != NULL;
#endif
}

/*
 * LOOKUPS lookups of the names fmt gives for 1 .. n-1, in a pseudo-random
 * order (the names are made beforehand, outside the timed part); prints
 * " lookup_ns=T found=F/LOOKUPS".
 */
static void
lookups(const struct conf *conf, const char *fmt, unsigned long n)
{
	char		(*names)[HOST_NAME_SIZE];
	unsigned long	 i, j, nn, found = 0, x = 12345;
	double		 t0, t1;

	nn = n - 1 < 65536 ? n - 1 : 65536;
	if (nn == 0)
		return;
	if ((names = calloc(nn, sizeof(*names))) == NULL) {
		perror("calloc");
		exit(2);
	}
	for (i = 0; i < nn; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		(void)snprintf(names[i], sizeof(names[i]), fmt,
		    (int)(1 + (x >> 33) % (n - 1)));
	}
	t0 = now_ms();
	for (i = j = 0; i < LOOKUPS; i++, j = j + 1 == nn ? 0 : j + 1)
		found += listed(conf, names[j]);
	t1 = now_ms();
	printf(" lookup_ns=%.1f found=%lu/%d", (t1 - t0) * 1e6 / LOOKUPS,
	    found, LOOKUPS);
	free(names);
}

/* VmRSS or VmHWM of this process, kB; -1 when unreadable. */
static long
status_kb(const char *key)
{
	FILE	*f;
	char	 line[256];
	size_t	 klen = strlen(key);
	long	 v = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static size_t
heap_bytes(void)
{
	struct mallinfo2	 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

int
main(int argc, char *argv[])
{
	struct conf	*conf = NULL;
	char		 err[1024], *end;
	double		 t0, t1;
	long		 rss0, rss1, hwm;
	size_t		 h0, h1;
	unsigned long	 n;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: confload N FILE [FORMAT]\n");
		return 2;
	}
	n = strtoul(argv[1], &end, 10);
	if (*end != '\0' || n == 0) {
		fprintf(stderr, "confload: bad N: %s\n", argv[1]);
		return 2;
	}
	rss0 = status_kb("VmRSS");
	h0 = heap_bytes();
	t0 = now_ms();
	if (conf_load(argv[2], &conf, err, sizeof(err)) == -1) {
		t1 = now_ms();
		printf("confload: n=%lu ok=0 ms=%.3f error=%s\n", n, t1 - t0,
		    err);
		return 1;
	}
	t1 = now_ms();
	h1 = heap_bytes();
	rss1 = status_kb("VmRSS");
	hwm = status_kb("VmHWM");
	printf("confload: n=%lu ok=1 ms=%.3f listed=%zu rss_kb=%ld->%ld "
	    "hwm_kb=%ld heap_bytes=%zu per_domain_rss=%.1f "
	    "per_domain_heap=%.1f", n, t1 - t0, conf->nlisted, rss0, rss1,
	    hwm, h1 - h0, (rss1 - rss0) * 1024.0 / n, (double)(h1 - h0) / n);
	if (argc == 4)
		lookups(conf, argv[3], n);
	printf("\n");
	conf_free(conf);
	return 0;
}
