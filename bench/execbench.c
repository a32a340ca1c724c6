/*
 * execbench: time CGI programs the way a web server runs them: spawn,
 * a CGI environment, standard output read from a pipe to the end, wait.
 * The variants are interleaved exec by exec (A B C, B C A, C A B, ...), so
 * machine noise hits them alike, and every answer is checked.
 *
 *   execbench [-n N] [-w WARMUP] SPEC...
 *
 * A SPEC file has one setting a line:
 *   name NAME          label in the output
 *   prog PATH          the program (argv[0] is PATH, no other argument)
 *   expect FILE        the exact bytes its stdout must be
 *   fresh DIR          empty DIR (its files, not subdirectories) before
 *                      every exec, outside the timed part: a cold cache_dir
 *   env KEY=VALUE      the whole environment, one variable a line
 * Standard error is appended to the file named by "stderr PATH" (default
 * /dev/null); its growth is reported.
 *
 * Output, one line per variant:
 *   name=NAME n=N median_us=M mean_us=A p10_us=.. p90_us=.. min_us=..
 *   bad=B stderr_bytes=E
 * Exit 1 when any exec failed or answered other bytes.
 *
 * Build: cc -O2 -o execbench execbench.c
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXENV	64

struct variant {
	char	*name, *prog, *fresh, *errpath;
	char	*want;
	size_t	 wantlen;
	char	*env[MAXENV + 1];
	int	 nenv;
	double	*t;
	long	 nt, bad;
	off_t	 err0;
};

static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n)) == NULL) {
		perror("malloc");
		exit(2);
	}
	return p;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*p;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(2);
	}
	p = xmalloc(1 << 20);
	*len = fread(p, 1, 1 << 20, f);
	(void)fclose(f);
	return p;
}

static void
load(struct variant *v, const char *spec)
{
	FILE	*f;
	char	 line[8192], *val;
	size_t	 n;

	memset(v, 0, sizeof(*v));
	v->errpath = "/dev/null";
	if ((f = fopen(spec, "r")) == NULL) {
		perror(spec);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if ((val = strchr(line, ' ')) == NULL) {
			fprintf(stderr, "%s: bad line: %s\n", spec, line);
			exit(2);
		}
		*val++ = '\0';
		if (strcmp(line, "name") == 0)
			v->name = strdup(val);
		else if (strcmp(line, "prog") == 0)
			v->prog = strdup(val);
		else if (strcmp(line, "fresh") == 0)
			v->fresh = strdup(val);
		else if (strcmp(line, "stderr") == 0)
			v->errpath = strdup(val);
		else if (strcmp(line, "expect") == 0)
			v->want = slurp(val, &v->wantlen);
		else if (strcmp(line, "env") == 0 && v->nenv < MAXENV)
			v->env[v->nenv++] = strdup(val);
		else {
			fprintf(stderr, "%s: bad line: %s\n", spec, line);
			exit(2);
		}
	}
	(void)fclose(f);
	if (v->name == NULL || v->prog == NULL || v->want == NULL) {
		fprintf(stderr, "%s: name, prog and expect are required\n",
		    spec);
		exit(2);
	}
}

static off_t
fsize(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
}

static void
empty_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[4096];

	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		exit(2);
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		(void)unlink(p);
	}
	(void)closedir(d);
}

static double
now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One exec; its time in microseconds, or -1 when it failed. */
static double
run(struct variant *v, char *buf, size_t cap)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[2] = { v->prog, NULL };
	double				 t0, t1;
	size_t				 len = 0;
	ssize_t				 n;
	pid_t				 pid;
	int				 p[2], st, ok, rc;

	if (v->fresh != NULL)
		empty_dir(v->fresh);
	if (pipe(p) == -1) {
		perror("pipe");
		exit(2);
	}
	(void)posix_spawn_file_actions_init(&fa);
	(void)posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
	    0);
	(void)posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	(void)posix_spawn_file_actions_addopen(&fa, 2, v->errpath,
	    O_WRONLY | O_APPEND | O_CREAT, 0644);
	(void)posix_spawn_file_actions_addclose(&fa, p[0]);
	(void)posix_spawn_file_actions_addclose(&fa, p[1]);
	t0 = now();
	if ((rc = posix_spawn(&pid, v->prog, &fa, NULL, argv, v->env)) != 0) {
		fprintf(stderr, "execbench: %s: %s\n", v->prog, strerror(rc));
		exit(2);
	}
	(void)close(p[1]);
	while ((n = read(p[0], buf + len, cap - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
		if (len == cap)
			break;
	}
	(void)waitpid(pid, &st, 0);
	t1 = now();
	(void)close(p[0]);
	posix_spawn_file_actions_destroy(&fa);
	ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && len == v->wantlen &&
	    memcmp(buf, v->want, len) == 0;
	if (!ok && v->bad == 0)
		fprintf(stderr, "execbench: %s: exit status %d, answer:\n%.*s\n",
		    v->name, st, (int)(len < 600 ? len : 600), buf);
	return ok ? t1 - t0 : -1;
}

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char *argv[])
{
	struct variant	*v;
	char		*buf;
	double		 t, sum;
	long		 n = 200, w = 10, i, k;
	int		 c, nv, j, rc = 0;

	while ((c = getopt(argc, argv, "n:w:")) != -1) {
		if (c == 'n')
			n = atol(optarg);
		else if (c == 'w')
			w = atol(optarg);
		else
			goto usage;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || n < 1) {
 usage:
		fprintf(stderr, "usage: execbench [-n N] [-w WARMUP] SPEC...\n");
		return 2;
	}
	nv = argc;
	v = xmalloc(sizeof(*v) * (size_t)nv);
	for (j = 0; j < nv; j++) {
		load(&v[j], argv[j]);
		v[j].t = xmalloc(sizeof(double) * (size_t)n);
	}
	buf = xmalloc(1 << 20);
	for (i = 0; i < w; i++)
		for (j = 0; j < nv; j++)
			(void)run(&v[j], buf, 1 << 20);
	for (j = 0; j < nv; j++)
		v[j].err0 = fsize(v[j].errpath);
	for (i = 0; i < n; i++)
		for (k = 0; k < nv; k++) {
			j = (int)((i + k) % nv);
			if ((t = run(&v[j], buf, 1 << 20)) < 0)
				v[j].bad++;
			else
				v[j].t[v[j].nt++] = t;
		}
	for (j = 0; j < nv; j++) {
		if (v[j].nt == 0) {
			printf("name=%s n=0 bad=%ld\n", v[j].name, v[j].bad);
			rc = 1;
			continue;
		}
		qsort(v[j].t, (size_t)v[j].nt, sizeof(double), cmp);
		for (sum = 0, i = 0; i < v[j].nt; i++)
			sum += v[j].t[i];
		printf("name=%s n=%ld median_us=%.1f mean_us=%.1f p10_us=%.1f "
		    "p90_us=%.1f min_us=%.1f bad=%ld stderr_bytes=%lld\n",
		    v[j].name, v[j].nt, v[j].t[v[j].nt / 2], sum / (double)v[j].nt,
		    v[j].t[v[j].nt / 10], v[j].t[v[j].nt * 9 / 10], v[j].t[0],
		    v[j].bad, (long long)(fsize(v[j].errpath) - v[j].err0));
		if (v[j].bad > 0)
			rc = 1;
	}
	return rc;
}
