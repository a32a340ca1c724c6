/*
 * confindex: the index of a configuration's listing, kept in cache_dir so
 * that a CGI request costs the same with one listed domain or a million.
 *
 * One file per configuration file, cache_dir/.conf-index.<hash of path>:
 * a header, the byte ranges of the sections with settings of their own,
 * and the listing's name set as it is in memory (nameset.h).  The header
 * names the configuration file and its domains_file with their identity
 * (device, inode, size, modification and change times) as they were when
 * the listing was parsed in full, and the length of the global part.
 *
 * An index is used only when it is a regular file owned by our effective
 * user (never through a symbolic link), its header is intact (magic,
 * byte order, lengths that add up to its size, a checksum), and both
 * files are still the ones it names.  Anything else makes the caller
 * parse the whole file and write a new index, atomically.  A section
 * found through the index is checked again by the caller (its "domain:"
 * line must name the domain).
 */
#ifndef CONFINDEX_H
#define CONFINDEX_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

struct conf;

struct confindex_hit {
	int		 listed;	/* the domain is in the listing */
	uint64_t	 off;		/* its own section in the file, */
	uint64_t	 len;		/* or len 0: none */
	size_t		 nlisted;	/* names in the listing */
};

/*
 * Look domain (lower case) up in dir's index of the configuration at path,
 * which is the file identified by st, whose global part is globlen bytes
 * and names dfile as domains_file (NULL: none).  Returns 0 with *hit set,
 * or -1 when there is no usable index.
 */
int	confindex_find(const char *dir, const char *path, const struct stat *st,
	    const char *dfile, size_t globlen, const char *domain,
	    struct confindex_hit *hit);

/*
 * Wait for, then take, the lock that lets one process at a time rebuild
 * dir's index of the configuration at path: the others wait for the new
 * index instead of all parsing a large file at once.  Returns a file
 * descriptor for confindex_unlock(), or -1 when there is no lock to be
 * had (go on without it).
 */
int	confindex_lock(const char *dir, const char *path);
void	confindex_unlock(int fd);

/*
 * Write dir's index for conf, parsed in full from the file at path
 * identified by st.  Returns 0, or -1 with err set.
 */
int	confindex_write(const char *dir, const char *path,
	    const struct stat *st, const struct conf *conf, char *err,
	    size_t errlen);

#endif /* CONFINDEX_H */
