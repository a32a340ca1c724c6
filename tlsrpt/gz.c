/*
 * gz: see gz.h.  Output grows in steps and never past max + 1 bytes, so a
 * small input that expands without end costs at most max bytes of memory.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "gz.h"
#include "xmalloc.h"

#define GZ_STEP		(64 * 1024)

int
gz_is_gzip(const void *p, size_t len)
{
	const unsigned char	*b = p;

	return len >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

int
gz_inflate(const void *in, size_t len, size_t max, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	z_stream	 zs;
	char		*buf = NULL, *nb;
	size_t		 cap = 0, used = 0, want;
	int		 zrc, rc = -1, init = 0;

	*out = NULL;
	*outlen = 0;
	if (!gz_is_gzip(in, len)) {
		(void)snprintf(err, errlen, "not gzip data");
		return -1;
	}
	if (len > UINT_MAX || max > (size_t)UINT_MAX - 1) {
		(void)snprintf(err, errlen, "gzip input too large");
		return -1;
	}
	memset(&zs, 0, sizeof(zs));
	/* 16 + MAX_WBITS: a gzip wrapper only, not zlib or raw deflate. */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		(void)snprintf(err, errlen, "gzip: cannot initialise zlib");
		return -1;
	}
	init = 1;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	for (;;) {
		if (used == cap) {
			if (cap > max) {
				(void)snprintf(err, errlen, "more than %zu "
				    "bytes once decompressed", max);
				rc = -2;
				goto out;
			}
			want = cap + GZ_STEP;
			if (want > max + 1)
				want = max + 1;
			if ((nb = xrealloc(buf, want + 1)) == NULL) {
				(void)snprintf(err, errlen, "out of memory");
				goto out;
			}
			buf = nb;
			cap = want;
		}
		zs.next_out = (Bytef *)buf + used;
		zs.avail_out = (uInt)(cap - used);
		zrc = inflate(&zs, Z_NO_FLUSH);
		used = cap - zs.avail_out;
		if (used > max) {
			(void)snprintf(err, errlen, "more than %zu bytes once "
			    "decompressed", max);
			rc = -2;
			goto out;
		}
		if (zrc == Z_STREAM_END)
			break;
		if (zrc == Z_BUF_ERROR && zs.avail_out != 0) {
			(void)snprintf(err, errlen, "gzip data truncated");
			goto out;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			(void)snprintf(err, errlen, "corrupt gzip data (%s)",
			    zs.msg != NULL ? zs.msg : "zlib error");
			goto out;
		}
	}
	if (zs.avail_in != 0) {
		(void)snprintf(err, errlen, "%u bytes after the gzip data",
		    zs.avail_in);
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	buf = NULL;
	rc = 0;
 out:
	if (init)
		(void)inflateEnd(&zs);
	free(buf);
	return rc;
}
