/*
 * override: a local policy file served instead of the DNS-built one.
 */
#ifndef OVERRIDE_H
#define OVERRIDE_H

#include <stddef.h>

struct policy;

/*
 * Read and strictly validate the override file at path (policy_parse()
 * rules, at most POLICY_MAX_SIZE bytes, a regular file).  On success
 * returns 0 with p filled and normalised (p must be policy_init()ed).  On
 * failure returns -1, p is empty and err holds "path:line: reason" (or
 * "path: reason" for errors not tied to a line, such as "No such file or
 * directory" or "file larger than 65536 bytes").  FIFOs and devices are
 * refused as "not a regular file" without blocking.
 */
int	override_load(const char *path, struct policy *p, char *err,
	    size_t errlen);

#endif /* OVERRIDE_H */
