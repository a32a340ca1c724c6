/*
 * num: the one decimal number parser (strtonum style, without strtol's
 * blanks, signs, bases and errno).
 *
 * A number is one or more ASCII digits and nothing else: no sign, no
 * blanks, no "0x".  The value is accumulated with an overflow check, so
 * any number of digits is safe; values beyond max are refused.  Grammars
 * that limit the number of digits (RFC 8461 max_age: 1*10DIGIT) check the
 * length themselves.
 */
#ifndef NUM_H
#define NUM_H

#include <stddef.h>
#include <stdint.h>

/* Refuse leading zeros ("007"); "0" itself is accepted when in range. */
#define NUM_CANONICAL	0x01
/* num_port() only: accept port 0. */
#define NUM_PORT_ZERO	0x02

/*
 * Parse the len bytes at s as a decimal number in min..max.  Returns 0
 * with *v set, or -1 (*v untouched) for an empty string, any byte that is
 * not a digit, a leading zero with NUM_CANONICAL, or a value out of range.
 */
int	num_parse(const char *s, size_t len, uint64_t min, uint64_t max,
	    unsigned int flags, uint64_t *v);

/* num_parse() on the NUL-terminated string s. */
int	num_parse_str(const char *s, uint64_t min, uint64_t max,
	    unsigned int flags, uint64_t *v);

/*
 * A TCP/UDP port: 1..65535, or 0..65535 with NUM_PORT_ZERO; flags may add
 * NUM_CANONICAL.  Returns 0 with *port set, or -1.
 */
int	num_port(const char *s, size_t len, unsigned int flags,
	    uint16_t *port);

#endif /* NUM_H */
