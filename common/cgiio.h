/*
 * cgiio: the byte moving a CGI front end needs: write the whole answer,
 * then take in the request body the server is sending.  The only part of
 * common/ that touches standard input and output, on the front ends'
 * behalf.
 */
#ifndef CGIIO_H
#define CGIIO_H

#include <stddef.h>

/* The most request body ever read (and thrown away). */
#define CGIIO_DRAIN_MAX		(1024 * 1024)
/* How long to wait for it in all. */
#define CGIIO_DRAIN_MS		1000

/* Write len bytes to fd, retrying short writes.  Returns 0 or -1. */
int	cgiio_write(int fd, const void *p, size_t len);

/*
 * Read and discard the request body announced by content_length (the
 * CONTENT_LENGTH variable; NULL or invalid: none) from fd, at most
 * CGIIO_DRAIN_MAX bytes and CGIIO_DRAIN_MS milliseconds.  We never use a
 * body, but a server such as Apache's mod_cgid that is still writing one
 * when the program exits breaks the connection (EPIPE) and loses the
 * answer already sent.
 */
void	cgiio_drain(int fd, const char *content_length);

#endif /* CGIIO_H */
