/*
 * file: the files we read and write ourselves (configuration, override
 * policies, the configuration index, cache entries, id state).
 *
 *	file_read()		a bounded read of one regular file
 *	file_write_atomic()	replace a file so that a reader sees the old
 *				bytes or the new ones, never a mix, and the
 *				new ones survive a crash once it returns 0
 *	file_create()		create a new file in a directory, never
 *				through a symbolic link or over a file
 *	file_write_all()	write everything, across short writes
 *	file_sync_dir()		make a rename in a directory durable
 *
 * Errors are one line, "path: reason", written to the caller's err buffer
 * (cut short when it is small).  Every function is thread-safe: the only
 * shared state is an atomic counter in the temporary file names.
 */
#ifndef FILE_H
#define FILE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

/* file_read() flags. */
#define FILE_NOFOLLOW	0x01	/* refuse a symbolic link as the file */
#define FILE_OWNED	0x02	/* refuse a file the euid does not own */

enum file_rc {
	FILE_OK,	/* *text and *len set */
	FILE_NONE,	/* the file does not exist (ENOENT) */
	FILE_TOOBIG,	/* more than max bytes */
	FILE_ERROR,	/* anything else */
	FILE__MAX
};

/* Temporary files are named FILE_TMP_PREFIX "<pid>.<seq>.<random>". */
#define FILE_TMP_PREFIX	".tmp."

/*
 * Read the regular file at path, at most max bytes (max < SIZE_MAX / 2).
 * Opening never blocks (a FIFO is refused, not waited on); a file that
 * grows while being read is read up to max + 1 bytes, so it is refused
 * when it grew past max, never cut short.  flags: FILE_NOFOLLOW,
 * FILE_OWNED.
 *
 * On FILE_OK *text is the content with a NUL after it (the caller frees
 * it; the content itself may hold NUL bytes), *len its length and, when
 * st is not NULL, *st the file's fstat() taken before reading.  On any
 * other result *text is NULL, *len 0 and err holds "path: reason"
 * ("path: No such file or directory" for FILE_NONE, "path: file larger
 * than MAX bytes" for FILE_TOOBIG) and errno the cause: ENOENT, EFBIG
 * (too big), EINVAL (not a regular file), EPERM (FILE_OWNED), ENOMEM, or
 * the error of open(2), fstat(2) or read(2).
 */
enum file_rc file_read(const char *path, size_t max, unsigned int flags,
	    char **text, size_t *len, struct stat *st, char *err,
	    size_t errlen);

/*
 * Create dir/name (name: one path component, not "." or "..") for
 * writing with O_CREAT | O_EXCL | O_NOFOLLOW and mode (less the umask):
 * an existing file or symbolic link there is an error (EEXIST), never
 * opened.  Returns the file descriptor (close-on-exec), or -1 with errno
 * and err set.
 */
int	file_create(const char *dir, const char *name, mode_t mode,
	    char *err, size_t errlen);

/*
 * Write all len bytes of data to fd, writing on after short writes and
 * EINTR.  Returns 0, or -1 with errno set (EIO when write() made no
 * progress).
 */
int	file_write_all(int fd, const void *data, size_t len);

/* fsync(2) the directory dir.  Returns 0, or -1 with err set. */
int	file_sync_dir(const char *dir, char *err, size_t errlen);

/*
 * Replace the file at path with the len bytes of data, atomically: a new
 * temporary file in path's directory (file_create(), named
 * FILE_TMP_PREFIX "<pid>.<seq>.<random>" so that it fits NAME_MAX
 * whatever the target's name), every byte written, fsync(2), rename(2)
 * over path, then fsync(2) of the directory.  A symbolic link at path is
 * replaced, not followed.  The file gets mode less the umask.  Returns 0,
 * or -1 with err set; the temporary file is then removed, and path is
 * unchanged unless only the final directory fsync failed.
 */
int	file_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode, char *err, size_t errlen);

/*
 * 1 when two stat(2) results are the same unchanged file: device, inode,
 * size, modification and change times (to the nanosecond).
 */
int	file_same(const struct stat *a, const struct stat *b);

#endif /* FILE_H */
