#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nameset.h"
#include "xmalloc.h"

/*
 * An entry at arena offset o (a multiple of 4): a and b (4 bytes each),
 * the name's length (1 byte), the name, a NUL; then padding to 4 bytes.
 */
#define NS_HEAD		9		/* a, b, length byte */
#define NS_ENTRY(len)	(((size_t)(len) + NS_HEAD + 1 + 3) & ~(size_t)3)
#define NS_NAME_MAX	255
#define NS_ARENA_MAX	((size_t)UINT32_MAX - 1)	/* offsets + 1 fit */
#define NS_CAP_MAX	((size_t)1 << 32)	/* the index is the hash */

struct nameset {
	unsigned char	*arena;
	size_t		 len;		/* bytes used */
	size_t		 size;		/* bytes allocated */
	struct nameset_slot *table;
	size_t		 cap;		/* slots, a power of two or 0 */
	size_t		 count;
	uint64_t	 seed;
};

static uint32_t
ns_hash(uint64_t seed, const char *s, size_t len)
{
	uint64_t	 h = 14695981039346656037ULL ^ seed;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	/* FNV's low bits are weak: mix before masking. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (uint32_t)h;
}

struct nameset *
nameset_new(void)
{
	struct nameset	*ns;

	if ((ns = xcalloc(1, sizeof(*ns))) == NULL)
		return NULL;
	ns->seed = ((uint64_t)arc4random() << 32) | arc4random();
	return ns;
}

void
nameset_free(struct nameset *ns)
{
	if (ns == NULL)
		return;
	free(ns->arena);
	free(ns->table);
	free(ns);
}

/* Double the table (it is at most half full afterwards). */
static int
ns_grow(struct nameset *ns)
{
	struct nameset_slot	*table;
	size_t			 cap, i, j;

	cap = ns->cap ? ns->cap * 2 : 64;
	if (cap > NS_CAP_MAX || (table = xcalloc(cap, sizeof(*table))) == NULL)
		return -1;
	/* The hash is in the slot: the names are not read again. */
	for (i = 0; i < ns->cap; i++) {
		if (ns->table[i].off == 0)
			continue;
		j = ns->table[i].hash & (cap - 1);
		while (table[j].off != 0)
			j = (j + 1) & (cap - 1);
		table[j] = ns->table[i];
	}
	free(ns->table);
	ns->table = table;
	ns->cap = cap;
	return 0;
}

/*
 * Probe view for name (len bytes).  Returns the arena offset of its entry,
 * or (size_t)-1.  *slot gets the empty slot where it would go (meaningful
 * for a trusted, not full table only).
 */
static size_t
ns_probe(const struct nameset_view *vw, const char *name, size_t len,
    size_t *slot, uint32_t *hash)
{
	size_t		 i, n, o, elen;
	uint32_t	 h;

	*slot = 0;
	*hash = h = ns_hash(vw->seed, name, len);
	if (vw->cap == 0 || (vw->cap & (vw->cap - 1)) != 0 ||
	    vw->cap > NS_CAP_MAX)
		return (size_t)-1;
	i = h & (vw->cap - 1);
	for (n = 0; n < vw->cap; n++, i = (i + 1) & (vw->cap - 1)) {
		if (vw->table[i].off == 0) {
			*slot = i;
			return (size_t)-1;
		}
		if (vw->table[i].hash != h)
			continue;
		o = (size_t)vw->table[i].off - 1;
		if ((o & 3) != 0 || o > vw->len || vw->len - o < NS_HEAD + 1)
			continue;
		elen = vw->arena[o + 8];
		if (vw->len - o - NS_HEAD < elen + 1)
			continue;
		if (elen == len && memcmp(vw->arena + o + NS_HEAD, name,
		    len) == 0)
			return o;
	}
	return (size_t)-1;
}

int
nameset_add(struct nameset *ns, const char *name, size_t len,
    struct nameset_val **v)
{
	struct nameset_view	 vw;
	unsigned char		*arena;
	size_t			 o, slot, need, size;
	uint32_t		 h;

	if (len == 0 || len > NS_NAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	nameset_view_of(ns, &vw);
	if ((o = ns_probe(&vw, name, len, &slot, &h)) != (size_t)-1) {
		if (v != NULL)
			*v = (struct nameset_val *)(void *)(ns->arena + o);
		return 0;
	}
	if ((ns->count + 1) * 2 > ns->cap) {
		if (ns_grow(ns) == -1)
			return -1;
		nameset_view_of(ns, &vw);
		(void)ns_probe(&vw, name, len, &slot, &h);
	}
	need = NS_ENTRY(len);
	if (need > NS_ARENA_MAX - ns->len) {
		errno = ENOMEM;
		return -1;
	}
	if (ns->len + need > ns->size) {
		size = ns->size ? ns->size : 4096;
		while (size < ns->len + need)
			size = size > NS_ARENA_MAX / 2 ? NS_ARENA_MAX : size * 2;
		if ((arena = xrealloc(ns->arena, size)) == NULL)
			return -1;
		ns->arena = arena;
		ns->size = size;
	}
	o = ns->len;
	memset(ns->arena + o, 0, need);
	ns->arena[o + 8] = (unsigned char)len;
	memcpy(ns->arena + o + NS_HEAD, name, len);
	ns->len += need;
	ns->table[slot].off = (uint32_t)(o + 1);
	ns->table[slot].hash = h;
	ns->count++;
	if (v != NULL)
		*v = (struct nameset_val *)(void *)(ns->arena + o);
	return 1;
}

const struct nameset_val *
nameset_find(const struct nameset *ns, const char *name)
{
	struct nameset_view	 vw;
	size_t			 o, slot, len;
	uint32_t		 h;

	if (ns == NULL || (len = strlen(name)) == 0 || len > NS_NAME_MAX)
		return NULL;
	nameset_view_of(ns, &vw);
	if ((o = ns_probe(&vw, name, len, &slot, &h)) == (size_t)-1)
		return NULL;
	return (const struct nameset_val *)(const void *)(ns->arena + o);
}

size_t
nameset_count(const struct nameset *ns)
{
	return ns != NULL ? ns->count : 0;
}

size_t
nameset_bytes(const struct nameset *ns)
{
	return ns != NULL ? ns->size + ns->cap * sizeof(*ns->table) : 0;
}

void
nameset_trim(struct nameset *ns)
{
	unsigned char	*arena;

	if (ns == NULL || ns->len == ns->size || ns->len == 0)
		return;
	if ((arena = realloc(ns->arena, ns->len)) != NULL) {
		ns->arena = arena;
		ns->size = ns->len;
	}
}

const char *
nameset_next(const struct nameset *ns, size_t *iter,
    const struct nameset_val **v)
{
	size_t	 o = *iter;

	if (ns == NULL || o >= ns->len)
		return NULL;
	*iter = o + NS_ENTRY(ns->arena[o + 8]);
	if (v != NULL)
		*v = (const struct nameset_val *)(const void *)(ns->arena + o);
	return (const char *)ns->arena + o + NS_HEAD;
}

void
nameset_view_of(const struct nameset *ns, struct nameset_view *view)
{
	view->table = ns->table;
	view->cap = ns->cap;
	view->arena = ns->arena;
	view->len = ns->len;
	view->seed = ns->seed;
}

int
nameset_view_find(const struct nameset_view *view, const char *name,
    struct nameset_val *v)
{
	size_t		 o, slot, len;
	uint32_t	 h;

	if ((len = strlen(name)) == 0 || len > NS_NAME_MAX ||
	    (o = ns_probe(view, name, len, &slot, &h)) == (size_t)-1)
		return 0;
	if (v != NULL)
		memcpy(v, view->arena + o, sizeof(*v));
	return 1;
}
