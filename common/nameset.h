/*
 * nameset: a compact set of domain names, each with two 32-bit numbers,
 * for listings of a million names and more.
 *
 * Two allocations whatever the count: an arena of entries and a table of
 * slots, each a 32-bit arena offset and the name's 32-bit hash (open
 * addressing, linear probing, at most half full; the hash spares reading
 * names that cannot match, and growing the table reads no name).  An entry
 * is the two numbers, a length byte, the name and a NUL, rounded up to 4
 * bytes: 11 to 14 bytes plus the name, and 16 to 32 bytes of table.
 *
 * The hash is FNV-1a started from a random seed and finished with a
 * 64-bit mixer.  It is not a cryptographic function: names are added only
 * from the administrator's files, and the seed keeps anyone from choosing
 * names ahead of time that fall into one probe chain.
 *
 * The same layout can be read in place from a file (nameset_view): the
 * CGI's configuration index (confindex.h) is a set written to disk.
 * Every offset read through a view is checked against the view's bounds,
 * so a damaged file gives wrong answers at worst, never a crash.
 */
#ifndef NAMESET_H
#define NAMESET_H

#include <stddef.h>
#include <stdint.h>

/* The numbers kept with each name; their meaning is the caller's. */
struct nameset_val {
	uint32_t	 a;
	uint32_t	 b;
};

/* A table slot: an entry's arena offset + 1 (0: empty) and its hash. */
struct nameset_slot {
	uint32_t	 off;
	uint32_t	 hash;
};

/* A read-only window on a table and an arena, in memory or in a file. */
struct nameset_view {
	const struct nameset_slot *table;	/* cap slots */
	size_t		 cap;		/* a power of two, or 0 */
	const unsigned char *arena;
	size_t		 len;		/* bytes of arena */
	uint64_t	 seed;
};

struct nameset;

/* An empty set, or NULL when out of memory.  NULL-safe free. */
struct nameset	*nameset_new(void);
void		 nameset_free(struct nameset *ns);

/*
 * Add name (len bytes, 1..253, no NUL) unless it is there.  Returns 1 when
 * added (its numbers zero), 0 when it was there, -1 when out of memory or
 * the set is full (4 GiB of names).  Either way *v, when v is not NULL,
 * points at the entry's numbers until the next nameset_add().
 */
int		 nameset_add(struct nameset *ns, const char *name, size_t len,
		    struct nameset_val **v);

/* The numbers of name (NUL-terminated), or NULL when it is not there. */
const struct nameset_val *nameset_find(const struct nameset *ns,
		    const char *name);

/* Names in the set. */
size_t		 nameset_count(const struct nameset *ns);

/* Bytes allocated (arena and table). */
size_t		 nameset_bytes(const struct nameset *ns);

/* Give back the arena's unused tail (once all names are added). */
void		 nameset_trim(struct nameset *ns);

/*
 * The names in the order they were added: start with *iter = 0; returns
 * NULL after the last one.  v, when not NULL, gets each name's numbers.
 */
const char	*nameset_next(const struct nameset *ns, size_t *iter,
		    const struct nameset_val **v);

/* The set as a view (valid until the set changes). */
void		 nameset_view_of(const struct nameset *ns,
		    struct nameset_view *view);

/*
 * Look name up in a view.  Returns 1 and copies its numbers to *v (when
 * not NULL), 0 when it is not there (or the view is damaged).
 */
int		 nameset_view_find(const struct nameset_view *view,
		    const char *name, struct nameset_val *v);

#endif /* NAMESET_H */
