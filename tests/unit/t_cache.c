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

static void
test_memory(void)
{
	struct cache		*c;
	struct cache_entry	 e;
	const struct cache_entry *g;
	char			 name[64];
	int			 i, bad = 0;

	c = cache_new();
	entry_ok(&e, 1000, "mx1.example", NULL);
	t_ok(cache_get(c, "example.com") == NULL, "memory: miss on empty table");
	t_inteq(cache_put(c, "example.com", &e, 1000), 0, "memory: put");
	g = cache_get(c, "example.com");
	t_ok(g != NULL && g->pol.nmx == 1 && strcmp(g->pol.mx[0],
	    "mx1.example") == 0 && g->expires == 1300, "memory: hit is a copy "
	    "with the same fields");
	cache_entry_clear(&e);
	entry_ok(&e, 2000, "mx2.example", "mx3.example");
	(void)cache_put(c, "example.com", &e, 2000);
	g = cache_get(c, "example.com");
	t_ok(g != NULL && g->pol.nmx == 2 && g->stored == 2000,
	    "memory: put replaces the older entry");
	t_inteq((long long)cache_count(c), 1, "memory: one entry after replace");
	for (i = 0; i < 10000; i++) {
		(void)snprintf(name, sizeof(name), "d%d.example", i);
		if (cache_put(c, name, &e, 2000) != 0)
			bad++;
	}
	for (i = 0; i < 10000; i++) {
		(void)snprintf(name, sizeof(name), "d%d.example", i);
		if (cache_get(c, name) == NULL)
			bad++;
	}
	t_inteq(bad, 0, "memory: 10,000 domains stored and found");
	t_inteq((long long)cache_count(c), 10001, "memory: count");
	xmalloc_fail_after(0);
	t_inteq(cache_put(c, "new.example", &e, 2000), -1,
	    "memory: allocation failure refused cleanly");
	xmalloc_fail_after(-1);
	t_ok(cache_get(c, "new.example") == NULL,
	    "memory: failed put leaves no entry");
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
	t_inteq(cache_write(dir, "example.com", &e, why, sizeof(why)), 0,
	    "file: write");
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
	t_inteq(cache_write(dir, "x.example", &e, why, sizeof(why)), 0,
	    "file: write a no-policy entry");
	if (t_inteq(cache_read(dir, "x.example", &r, why, sizeof(why)), 0,
	    "file: read a no-policy entry"))
		t_ok(r.rc == RESOLVE_NOPOLICY && r.optin == 1 &&
		    r.msg != NULL && strcmp(r.msg, "x.example has not opted in") == 0,
		    "file: no-policy fields survive");
	cache_entry_clear(&r);
	cache_entry_clear(&e);

	t_inteq(cache_read(dir, "missing.example", &r, why, sizeof(why)), -1,
	    "file: missing entry is a miss");
	t_streq(why, "", "file: a missing entry is not an error");

	write_raw("trunc.example.cache", "mta-sts-cgi-cache 1\ndomain "
	    "trunc.example\noptin 0\nrc ok\n");
	t_inteq(cache_read(dir, "trunc.example", &r, why, sizeof(why)), -1,
	    "file: truncated entry ignored");
	write_raw("other.example.cache", "mta-sts-cgi-cache 1\ndomain "
	    "example.com\noptin 0\nrc ok\nsecure 1\nstored 1\nexpires 2\n"
	    "mx a.example\nend\n");
	t_inteq(cache_read(dir, "other.example", &r, why, sizeof(why)), -1,
	    "file: entry naming another domain ignored");
	write_raw("junk.example.cache", "mta-sts-cgi-cache 1\ndomain "
	    "junk.example\noptin 0\nrc ok\nsecure 1\nstored 1\nexpires 2\n"
	    "mx a.example\nend\ntrailing\n");
	t_inteq(cache_read(dir, "junk.example", &r, why, sizeof(why)), -1,
	    "file: bytes after end ignored");
	write_raw("badmx.example.cache", "mta-sts-cgi-cache 1\ndomain "
	    "badmx.example\noptin 0\nrc ok\nsecure 1\nstored 1\nexpires 2\n"
	    "mx a_b.example\nend\n");
	t_inteq(cache_read(dir, "badmx.example", &r, why, sizeof(why)), -1,
	    "file: invalid mx ignored");
	write_raw("nomx.example.cache", "mta-sts-cgi-cache 1\ndomain "
	    "nomx.example\noptin 0\nrc ok\nsecure 1\nstored 1\nexpires 2\n"
	    "end\n");
	t_inteq(cache_read(dir, "nomx.example", &r, why, sizeof(why)), -1,
	    "file: policy without mx ignored");
	write_raw("time.example.cache", "mta-sts-cgi-cache 1\ndomain "
	    "time.example\noptin 0\nrc ok\nsecure 1\nstored 5\nexpires 2\n"
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

	entry_ok(&e, 10, "a.example", NULL);
	t_inteq(cache_write("/nonexistent/dir", "example.com", &e, why,
	    sizeof(why)), -1, "file: missing directory is an error");
	t_ok(strstr(why, "No such file or directory") != NULL,
	    "file: the error says why (%s)", why);
	t_inteq(cache_write(dir, "../escape", &e, why, sizeof(why)), -1,
	    "file: a name that is not a hostname is refused");
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
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		t_ok(0, "removing %s", dir);
	return t_done();
}
