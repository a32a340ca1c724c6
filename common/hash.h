/*
 * hash: the one string hash, FNV-1a (64 bits).  Not keyed: use it where an
 * adversary gains nothing from collisions (file names of our own, hash
 * tables whose every entry costs a DNS lookup).
 */
#ifndef HASH_H
#define HASH_H

#include <stdint.h>

static inline uint64_t
hash_fnv1a(const char *s)
{
	uint64_t	 h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

#endif /* HASH_H */
