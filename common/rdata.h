/*
 * rdata: parsers for DNS rdata in wire format, as libunbound hands it out
 * (decompressed, without the RDLENGTH prefix).
 */
#ifndef RDATA_H
#define RDATA_H

#include <stddef.h>
#include <stdint.h>

#define RDATA_NAME_SIZE	1024	/* enough for any escaped presentation name */

/*
 * Parse one MX rdata: a 16-bit preference in network order, then the
 * exchange as an uncompressed wire-format name that ends exactly at the end
 * of the rdata.  Refused (-1): fewer than 3 bytes, a label longer than 63
 * octets, a compression pointer or reserved label type, a label running past
 * the end, a missing root label, bytes after the root label, and a name
 * longer than 255 octets in wire form.
 *
 * On 0, *pref is the preference and name holds the exchange in lower-case
 * presentation form without the trailing dot: "" for the root (Null MX,
 * RFC 7505), and every byte outside [a-z0-9-] inside a label (a dot
 * included) escaped as \DDD, so such names fail host_valid().  namesz
 * must be at least RDATA_NAME_SIZE.  name is unspecified on -1.
 */
int	rdata_mx_parse(const unsigned char *rd, size_t len, uint16_t *pref,
	    char *name, size_t namesz);

/*
 * Concatenate the character-strings of one TXT rdata into out (at most
 * outsz - 1 bytes, NUL-terminated; strings are joined without separator as
 * RFC 8461 section 3.1 says).  Returns the joined length, or -1 when the
 * rdata is malformed (a length byte running past the end, no string at
 * all) or the result does not fit.  A NUL byte inside the text makes it -1
 * too: no MTA-STS record can contain one.
 */
int	rdata_txt_join(const unsigned char *rd, size_t len, char *out,
	    size_t outsz);

#endif /* RDATA_H */
