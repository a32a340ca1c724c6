/*
 * gz: gzip decompression with a bound on the output (gzip bombs), the
 * only file that includes <zlib.h>.
 */
#ifndef GZ_H
#define GZ_H

#include <stddef.h>

/* 1 when the len bytes at p begin with the gzip magic 1f 8b. */
int	gz_is_gzip(const void *p, size_t len);

/*
 * Decompress the one gzip member in the len bytes at in (RFC 1952).  On
 * success returns 0 and *out (NUL-terminated, caller must free) holds
 * *outlen bytes, at most max.  On error returns -1 (not gzip, corrupt,
 * truncated, bytes after the member) or -2 (more than max bytes once
 * decompressed: decompression stops there); *out is NULL and err says
 * why.
 */
int	gz_inflate(const void *in, size_t len, size_t max, char **out,
	    size_t *outlen, char *err, size_t errlen);

#endif /* GZ_H */
