/*
 * t_nameset: the compact name set behind the listing of domains, in
 * memory and read in place through a view (the CGI's index).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nameset.h"
#include "test.h"

#define MANY	200000

static void
name_of(size_t i, char *buf, size_t len)
{
	(void)snprintf(buf, len, "d%zu.customer-%zu.example", i, i % 977);
}

static void
test_basics(void)
{
	struct nameset		*ns;
	struct nameset_val	*v;
	const struct nameset_val *cv;
	const char		*name;
	char			 long_name[300];
	size_t			 iter;
	int			 rc;

	if (!t_ok((ns = nameset_new()) != NULL, "nameset_new"))
		return;
	t_ok(nameset_find(ns, "a.example") == NULL && nameset_count(ns) == 0,
	    "empty: nothing found");
	iter = 0;
	t_ok(nameset_next(ns, &iter, NULL) == NULL, "empty: no names");
	rc = nameset_add(ns, "a.example", 9, &v);
	t_ok(rc == 1 && v->a == 0 && v->b == 0, "add: new, numbers zero");
	v->a = 7;
	v->b = 9;
	rc = nameset_add(ns, "a.example", 9, &v);
	t_ok(rc == 0 && v->a == 7 && v->b == 9,
	    "add again: there, numbers kept");
	t_ok(nameset_add(ns, "b.example", 9, NULL) == 1, "add without v");
	cv = nameset_find(ns, "a.example");
	t_ok(cv != NULL && cv->a == 7 && cv->b == 9, "find");
	t_ok(nameset_find(ns, "a.exampl") == NULL &&
	    nameset_find(ns, "a.example.") == NULL &&
	    nameset_find(ns, "A.example") == NULL &&
	    nameset_find(ns, "") == NULL, "find: exact bytes only");
	/* A name given with its length: the bytes after it do not count. */
	t_ok(nameset_add(ns, "c.example.trailing", 9, NULL) == 1 &&
	    nameset_find(ns, "c.example") != NULL &&
	    nameset_find(ns, "c.example.trailing") == NULL,
	    "add takes len bytes");
	memset(long_name, 'a', sizeof(long_name));
	t_ok(nameset_add(ns, long_name, 256, NULL) == -1 &&
	    nameset_add(ns, long_name, 0, NULL) == -1,
	    "add: lengths 0 and 256 refused");
	long_name[253] = '\0';
	t_ok(nameset_add(ns, long_name, 253, NULL) == 1 &&
	    nameset_find(ns, long_name) != NULL, "a 253-byte name");
	iter = 0;
	name = nameset_next(ns, &iter, &cv);
	t_ok(name != NULL && strcmp(name, "a.example") == 0 && cv->a == 7,
	    "next: first added first");
	name = nameset_next(ns, &iter, NULL);
	t_ok(name != NULL && strcmp(name, "b.example") == 0, "next: second");
	name = nameset_next(ns, &iter, NULL);
	t_ok(name != NULL && strcmp(name, "c.example") == 0,
	    "next: third, NUL-terminated");
	name = nameset_next(ns, &iter, NULL);
	t_ok(name != NULL && strlen(name) == 253, "next: fourth");
	t_ok(nameset_next(ns, &iter, NULL) == NULL, "next: then none");
	t_ok(nameset_count(ns) == 4, "count");
	nameset_free(ns);
	nameset_free(NULL);
	t_ok(1, "nameset_free(NULL)");
}

static void
test_many(void)
{
	struct nameset		*ns;
	struct nameset_val	*v;
	struct nameset_view	 vw;
	struct nameset_val	 got;
	char			 name[64];
	size_t			 i, bad = 0, iter, n, names = 0;
	double			 per;

	if ((ns = nameset_new()) == NULL) {
		t_ok(0, "many: nameset_new");
		return;
	}
	for (i = 0; i < MANY; i++) {
		name_of(i, name, sizeof(name));
		names += strlen(name);
		if (nameset_add(ns, name, strlen(name), &v) != 1) {
			bad++;
			continue;
		}
		v->a = (uint32_t)i;
		v->b = (uint32_t)(i * 3);
	}
	t_inteq((long long)bad, 0, "many: %d names added", MANY);
	nameset_trim(ns);
	for (i = 0, bad = 0; i < MANY; i++) {
		const struct nameset_val *cv;

		name_of(i, name, sizeof(name));
		if ((cv = nameset_find(ns, name)) == NULL || cv->a != i ||
		    cv->b != i * 3)
			bad++;
	}
	t_inteq((long long)bad, 0, "many: every name found with its numbers");
	for (i = MANY, bad = 0; i < 2 * MANY; i++) {
		name_of(i, name, sizeof(name));
		if (nameset_find(ns, name) != NULL)
			bad++;
	}
	t_inteq((long long)bad, 0, "many: %d other names not found", MANY);
	for (iter = 0, n = 0; nameset_next(ns, &iter, NULL) != NULL; n++)
		;
	t_inteq((long long)n, MANY, "many: next visits each name once");
	/* Overhead per name beyond its own bytes: entry head and table. */
	per = (double)(nameset_bytes(ns) - names) / MANY;
	if (!t_ok(per <= 48, "many: at most 48 bytes per name beyond the "
	    "name itself"))
		printf("    have: %.1f\n", per);

	/* A view over a copy, as the index is read from a file. */
	nameset_view_of(ns, &vw);
	{
		struct nameset_slot *table = malloc(vw.cap * sizeof(*table));
		unsigned char	*arena = malloc(vw.len);
		struct nameset_view c = vw;

		if (table == NULL || arena == NULL)
			abort();
		memcpy(table, vw.table, vw.cap * sizeof(*table));
		memcpy(arena, vw.arena, vw.len);
		c.table = table;
		c.arena = arena;
		name_of(12345, name, sizeof(name));
		t_ok(nameset_view_find(&c, name, &got) == 1 &&
		    got.a == 12345 && got.b == 3 * 12345, "view: found");
		name_of(MANY + 1, name, sizeof(name));
		t_ok(nameset_view_find(&c, name, &got) == 0,
		    "view: other name not found");
		c.seed ^= 1;
		name_of(12345, name, sizeof(name));
		(void)nameset_view_find(&c, name, &got);
		t_ok(1, "view with another seed: no crash");
		c.seed = vw.seed;
		/* Damage: offsets past the end, unaligned, a short arena. */
		for (i = 0; i < c.cap; i++)
			if (table[i].off != 0)
				table[i].off = i % 3 == 0 ? 0xfffffff0U :
				    i % 3 == 1 ? table[i].off + 1 :
				    table[i].off;
		c.len = vw.len / 2;
		for (i = 0; i < 1000; i++) {
			name_of(i * 97, name, sizeof(name));
			(void)nameset_view_find(&c, name, &got);
		}
		t_ok(1, "damaged view: 1000 lookups, no out-of-bounds read");
		c.cap = 3;
		t_ok(nameset_view_find(&c, name, &got) == 0,
		    "view: a table size not a power of two finds nothing");
		free(table);
		free(arena);
	}
	nameset_free(ns);
}

int
main(void)
{
	t_suite = "nameset";
	test_basics();
	test_many();
	return t_done();
}
