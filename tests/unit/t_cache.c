/* Unit tests for common/cache.c: the memory table and the cache files. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "test.h"
#include "xmalloc.h"

static char	dir[] = "/tmp/t_cache.XXXXXX";

static void
entry_ok(struct cache_entry *e, int64_t stored, const char *mx1,
    const char *mx2)
{
	cache_entry_init(e);
	e->rc = RESOLVE_OK;
	e->secure = 1;
	e->stored = stored;
	e->expires = stored + 300;
	if (mx1 != NULL)
		(void)policy_add_mx(&e->pol, mx1, strlen(mx1));
	if (mx2 != NULL)
		(void)policy_add_mx(&e->pol, mx2, strlen(mx2));
	policy_normalize(&e->pol);
}

static void
write_raw(const char *name, const char *text)
{
	char	 path[512];
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

/* get + check + release: 1 when domain is in c. */
static int
has(struct cache *c, const char *domain)
{
	const struct cache_entry	*g;

	if ((g = cache_get(c, domain)) == NULL)
		return 0;
	cache_release(c, g);
	return 1;
}

static void
test_memory(void)
{
	struct cache		*c;
	struct cache_entry	 e, junk;
	const struct cache_entry *g, *held;
	char			 name[64];
	int			 i, bad = 0, nlisted;

	c = cache_new(16 * 1024 * 1024);
	entry_ok(&e, 1000, "mx1.example", NULL);
	t_ok(cache_get(c, "example.com") == NULL, "memory: miss on empty table");
	t_inteq(cache_put(c, "example.com", &e, CACHE_LISTED, 1000), 0,
	    "memory: put");
	g = cache_get(c, "example.com");
	t_ok(g != NULL && g->pol.nmx == 1 && strcmp(g->pol.mx[0],
	    "mx1.example") == 0 && g->expires == 1300, "memory: hit is a copy "
	    "with the same fields");
	held = g;
	cache_entry_clear(&e);
	entry_ok(&e, 2000, "mx2.example", "mx3.example");
	(void)cache_put(c, "example.com", &e, CACHE_LISTED, 2000);
	t_ok(held->pol.nmx == 1 && strcmp(held->pol.mx[0], "mx1.example") == 0,
	    "memory: an entry held stays valid and unchanged after a put");
	cache_release(c, held);
	g = cache_get(c, "example.com");
	t_ok(g != NULL && g->pol.nmx == 2 && g->stored == 2000,
	    "memory: put replaces the older entry");
	cache_release(c, g);
	t_inteq((long long)cache_count(c), 1, "memory: one entry after replace");
	for (i = 0; i < 10000; i++) {
		(void)snprintf(name, sizeof(name), "d%d.example", i);
		if (cache_put(c, name, &e, CACHE_LISTED, 2000) != 0)
			bad++;
	}
	for (i = 0; i < 10000; i++) {
		(void)snprintf(name, sizeof(name), "d%d.example", i);
		if (!has(c, name))
			bad++;
	}
	t_inteq(bad, 0, "memory: 10,000 domains stored and found");
	t_inteq((long long)cache_count(c), 10001, "memory: count");
	xmalloc_fail_after(0);
	t_inteq(cache_put(c, "new.example", &e, CACHE_LISTED, 2000), -1,
	    "memory: allocation failure refused cleanly");
	xmalloc_fail_after(-1);
	t_ok(!has(c, "new.example"), "memory: failed put leaves no entry");
	cache_free(c);

	/*
	 * Bounded: 256 KB, of which junk gets 32 KB.  Random names ("no
	 * policy") never push out listed domains, and caching goes on when
	 * full (the oldest junk goes).
	 */
	c = cache_new(256 * 1024);
	cache_entry_init(&junk);
	junk.rc = RESOLVE_NOPOLICY;
	junk.optin = 1;
	junk.stored = 2000;
	junk.expires = junk.keep_until = 2300;
	(void)cache_entry_set_msg(&junk, "r.example has not opted in: no "
	    "v=STSv1 TXT record at _mta-sts.r.example");
	for (i = 0; i < 100; i++) {
		(void)snprintf(name, sizeof(name), "l%d.example", i);
		(void)cache_put(c, name, &e, CACHE_LISTED, 2000);
	}
	for (bad = 0, i = 0; i < 100000; i++) {
		(void)snprintf(name, sizeof(name), "r%d.example", i);
		if (cache_put(c, name, &junk, CACHE_JUNK, 2000) != 0)
			bad++;
	}
	t_inteq(bad, 0, "memory: 100,000 junk entries all accepted when full");
	t_ok(has(c, "r99999.example") && !has(c, "r0.example"),
	    "memory: junk evicts its own least recently used");
	for (nlisted = 0, i = 0; i < 100; i++) {
		(void)snprintf(name, sizeof(name), "l%d.example", i);
		nlisted += has(c, name);
	}
	t_inteq(nlisted, 100, "memory: every listed domain survives 100,000 "
	    "junk entries");
	t_ok(cache_bytes(c) <= 256 * 1024 + 64 * 1024,
	    "memory: %zu bytes in use for a 256 KB bound", cache_bytes(c));
	/* Opted-in policies may not displace listed domains either. */
	for (i = 0; i < 20000; i++) {
		(void)snprintf(name, sizeof(name), "p%d.example", i);
		(void)cache_put(c, name, &e, CACHE_POLICY, 2000);
	}
	for (nlisted = 0, i = 0; i < 100; i++) {
		(void)snprintf(name, sizeof(name), "l%d.example", i);
		nlisted += has(c, name);
	}
	t_inteq(nlisted, 100, "memory: listed domains survive 20,000 opted-in "
	    "policies");
	t_ok(has(c, "p19999.example") && !has(c, "p0.example"),
	    "memory: opted-in policies evict their own oldest");
	/* Entries past keep_until go before recently used live ones. */
	cache_free(c);
	c = cache_new(64 * 1024);
	junk.keep_until = 2100;
	(void)cache_put(c, "dead.example", &junk, CACHE_JUNK, 2000);
	junk.keep_until = 9000;
	for (i = 0; i < 5; i++) {
		(void)snprintf(name, sizeof(name), "live%d.example", i);
		(void)cache_put(c, name, &junk, CACHE_JUNK, 2000);
	}
	/* The dead one is the most recently used ... */
	t_ok(has(c, "dead.example"), "memory: worthless entry still there");
	for (i = 0; i < 200 && has(c, "dead.example"); i++) {
		(void)snprintf(name, sizeof(name), "more%d.example", i);
		(void)cache_put(c, name, &junk, CACHE_JUNK, 3000);
	}
	/* ... yet it goes before live0, the least recently used live one. */
	t_ok(!has(c, "dead.example") && has(c, "live1.example"),
	    "memory: a worthless entry is evicted before live ones "
	    "(after %d puts)", i);
	cache_entry_clear(&junk);
	cache_entry_clear(&e);
	cache_free(c);
}

static void
test_files(void)
{
	struct cache_entry	 e, r;
	char			 why[512], path[512];
	struct stat		 st;

	entry_ok(&e, 1795353736, "b.example", "a.example");
	t_inteq(cache_write(dir, "example.com", &e, why, sizeof(why)), 1,
	    "file: write a new file");
	t_inteq(cache_write(dir, "example.com", &e, why, sizeof(why)), 0,
	    "file: write over the old file");
	cache_entry_init(&r);
	if (t_inteq(cache_read(dir, "example.com", &r, why, sizeof(why)), 0,
	    "file: read back"))
		t_ok(r.rc == RESOLVE_OK && r.secure == 1 && r.optin == 0 &&
		    r.stored == 1795353736 && r.expires == 1795354036 &&
		    r.pol.nmx == 2 && strcmp(r.pol.mx[0], "a.example") == 0,
		    "file: fields survive the round trip");
	cache_entry_clear(&r);

	e.rc = RESOLVE_NOPOLICY;
	e.optin = 1;
	(void)cache_entry_set_msg(&e, "x.example has not opted in");
	t_inteq(cache_write(dir, "x.example", &e, why, sizeof(why)), 1,
	    "file: write a no-policy entry");
	if (t_inteq(cache_read(dir, "x.example", &r, why, sizeof(why)), 0,
	    "file: read a no-policy entry"))
		t_ok(r.rc == RESOLVE_NOPOLICY && r.optin == 1 &&
		    r.msg != NULL && strcmp(r.msg, "x.example has not opted in") == 0,
		    "file: no-policy fields survive");
	cache_entry_clear(&r);
	cache_entry_clear(&e);

	/* A failure remembered on top of a policy, for serve-stale. */
	entry_ok(&e, 1795353736, "a.example", NULL);
	e.retry_at = 1795353766;
	e.tempfail = 1;
	(void)cache_entry_set_fail(&e, "DNS lookup of x MX failed temporarily");
	t_inteq(cache_write(dir, "stale.example", &e, why, sizeof(why)), 1,
	    "file: write a policy with a remembered failure");
	if (t_inteq(cache_read(dir, "stale.example", &r, why, sizeof(why)), 0,
	    "file: read it back"))
		t_ok(r.rc == RESOLVE_OK && r.pol.nmx == 1 &&
		    r.retry_at == 1795353766 && r.tempfail == 1 &&
		    strcmp(r.fail_msg, "DNS lookup of x MX failed "
		    "temporarily") == 0, "file: failure fields survive");
	cache_entry_clear(&r);
	cache_entry_clear(&e);
	cache_entry_init(&e);
	e.rc = RESOLVE_UNAVAILABLE;
	e.stored = e.expires = 100;
	e.retry_at = 130;
	(void)cache_entry_set_fail(&e, "DNSSEC validation failed");
	t_inteq(cache_write(dir, "fail.example", &e, why, sizeof(why)), 1,
	    "file: write a remembered failure alone");
	if (t_inteq(cache_read(dir, "fail.example", &r, why, sizeof(why)), 0,
	    "file: read it back"))
		t_ok(r.rc == RESOLVE_UNAVAILABLE && r.retry_at == 130 &&
		    r.tempfail == 0 && r.pol.nmx == 0,
		    "file: a failure alone survives");
	cache_entry_clear(&r);
	e.retry_at = 0;
	t_inteq(cache_write(dir, "fail.example", &e, why, sizeof(why)), -1,
	    "file: a failure without retry time is refused");
	cache_entry_clear(&e);

	t_inteq(cache_read(dir, "missing.example", &r, why, sizeof(why)), -1,
	    "file: missing entry is a miss");
	t_streq(why, "", "file: a missing entry is not an error");

	write_raw("trunc.example.cache", "mta-sts-cgi-cache 2\ndomain "
	    "trunc.example\noptin 0\nrc ok\n");
	t_inteq(cache_read(dir, "trunc.example", &r, why, sizeof(why)), -1,
	    "file: truncated entry ignored");
	write_raw("other.example.cache", "mta-sts-cgi-cache 2\ndomain "
	    "example.com\noptin 0\nrc ok\nsecure 1\nstored 1\nexpires 2\nretry 0\ntempfail 0\n"
	    "mx a.example\nend\n");
	t_inteq(cache_read(dir, "other.example", &r, why, sizeof(why)), -1,
	    "file: entry naming another domain ignored");
	write_raw("junk.example.cache", "mta-sts-cgi-cache 2\ndomain "
	    "junk.example\noptin 0\nrc ok\nsecure 1\nstored 1\nexpires 2\nretry 0\ntempfail 0\n"
	    "mx a.example\nend\ntrailing\n");
	t_inteq(cache_read(dir, "junk.example", &r, why, sizeof(why)), -1,
	    "file: bytes after end ignored");
	write_raw("badmx.example.cache", "mta-sts-cgi-cache 2\ndomain "
	    "badmx.example\noptin 0\nrc ok\nsecure 1\nstored 1\nexpires 2\nretry 0\ntempfail 0\n"
	    "mx a_b.example\nend\n");
	t_inteq(cache_read(dir, "badmx.example", &r, why, sizeof(why)), -1,
	    "file: invalid mx ignored");
	write_raw("nomx.example.cache", "mta-sts-cgi-cache 2\ndomain "
	    "nomx.example\noptin 0\nrc ok\nsecure 1\nstored 1\nexpires 2\nretry 0\ntempfail 0\n"
	    "end\n");
	t_inteq(cache_read(dir, "nomx.example", &r, why, sizeof(why)), -1,
	    "file: policy without mx ignored");
	write_raw("time.example.cache", "mta-sts-cgi-cache 2\ndomain "
	    "time.example\noptin 0\nrc ok\nsecure 1\nstored 5\nexpires 2\nretry 0\ntempfail 0\n"
	    "mx a.example\nend\n");
	t_inteq(cache_read(dir, "time.example", &r, why, sizeof(why)), -1,
	    "file: expiry before storage ignored");
	write_raw("magic.example.cache", "something else 1\n");
	t_inteq(cache_read(dir, "magic.example", &r, why, sizeof(why)), -1,
	    "file: foreign format ignored");

	/* Another owner's file is not trusted (and replaced on write). */
	entry_ok(&e, 10, "a.example", NULL);
	(void)cache_write(dir, "owner.example", &e, why, sizeof(why));
	(void)snprintf(path, sizeof(path), "%s/owner.example.cache", dir);
	if (geteuid() == 0) {
		if (chown(path, 65534, 65534) == -1)
			abort();
		t_inteq(cache_read(dir, "owner.example", &r, why, sizeof(why)),
		    -1, "file: entry owned by another user ignored");
		t_inteq(cache_write(dir, "owner.example", &e, why, sizeof(why)),
		    0, "file: foreign entry replaced");
		t_ok(stat(path, &st) == 0 && st.st_uid == 0,
		    "file: replacement is ours");
	}
	cache_entry_clear(&r);
	cache_entry_clear(&e);

	/* The longest names fit (hashed file name, short temporary name). */
	{
		char	 longname[254];
		int	 j;

		for (j = 0; j < 253; j++)
			longname[j] = (j % 64 == 63) ? '.' : 'a';
		longname[253] = '\0';
		entry_ok(&e, 10, "a.example", NULL);
		t_inteq(cache_write(dir, longname, &e, why, sizeof(why)), 1,
		    "file: a 253-byte domain is cached (%s)", why);
		t_inteq(cache_read(dir, longname, &r, why, sizeof(why)), 0,
		    "file: and read back");
		cache_entry_clear(&r);
		cache_entry_clear(&e);
	}

	entry_ok(&e, 10, "a.example", NULL);
	t_inteq(cache_write("/nonexistent/dir", "example.com", &e, why,
	    sizeof(why)), -1, "file: missing directory is an error");
	t_ok(strstr(why, "No such file or directory") != NULL,
	    "file: the error says why (%s)", why);
	t_inteq(cache_write(dir, "../escape", &e, why, sizeof(why)), -1,
	    "file: a name that is not a hostname is refused");
	cache_entry_clear(&e);
}

/* Files in dir named like cache files. */
static int
count_cache_files(const char *d)
{
	char	 cmd[1400];
	FILE	*p;
	int	 n = -1;

	(void)snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c '\\.cache$'",
	    d);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		(void)pclose(p);
	}
	return n;
}

static void
test_sweep(void)
{
	struct cache_entry	 e;
	struct timespec		 ts[2];
	char			 sub[600], name[64], path[1400], why[512];
	int			 i, fd;

	(void)snprintf(sub, sizeof(sub), "%s/sweep", dir);
	if (mkdir(sub, 0700) == -1)
		abort();
	entry_ok(&e, 10, "a.example", NULL);
	for (i = 0; i < 100; i++) {
		(void)snprintf(name, sizeof(name), "s%d.example", i);
		(void)cache_write(sub, name, &e, why, sizeof(why));
		/* s0 is the oldest, s99 the newest. */
		(void)snprintf(path, sizeof(path), "%s/%s.cache", sub, name);
		ts[0].tv_sec = ts[1].tv_sec = 1000000 + i;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		(void)utimensat(AT_FDCWD, path, ts, 0);
	}
	(void)snprintf(path, sizeof(path), "%s/keep.txt", sub);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) != -1)
		(void)close(fd);
	t_inteq(cache_sweep(sub, 1000, 1000000, 1000000 + 50, why,
	    sizeof(why)), 0, "sweep: nothing past the horizon, under the bound");
	t_inteq(cache_sweep(sub, 1000, 10, 1000000 + 50, why, sizeof(why)),
	    40, "sweep: files not written for the horizon are removed");
	t_inteq(count_cache_files(sub), 60, "sweep: the others stay");
	t_inteq(cache_sweep(sub, 40, 1000000, 1000000 + 50, why,
	    sizeof(why)), 25, "sweep: over the bound, the oldest go (down to "
	    "7/8 of it)");
	(void)snprintf(path, sizeof(path), "%s/s99.example.cache", sub);
	t_ok(access(path, F_OK) == 0, "sweep: the newest file stays");
	(void)snprintf(path, sizeof(path), "%s/s64.example.cache", sub);
	t_ok(access(path, F_OK) == -1, "sweep: the 25 oldest are gone");
	(void)snprintf(path, sizeof(path), "%s/s65.example.cache", sub);
	t_ok(access(path, F_OK) == 0, "sweep: the 35 newest stay");
	(void)snprintf(path, sizeof(path), "%s/keep.txt", sub);
	t_ok(access(path, F_OK) == 0, "sweep: files not ours are left alone");
	t_inteq(cache_sweep("/nonexistent/dir", 1, 1, 1, why, sizeof(why)),
	    -1, "sweep: a missing directory is an error");
	cache_entry_clear(&e);
}

int
main(void)
{
	char	 cmd[600];

	t_suite = "cache";
	if (mkdtemp(dir) == NULL) {
		t_ok(0, "mkdtemp: %s", strerror(errno));
		return t_done();
	}
	test_memory();
	test_files();
	test_sweep();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		t_ok(0, "removing %s", dir);
	return t_done();
}
