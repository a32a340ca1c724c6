/*
 * minimal-cgi: the floor for any C CGI program: start, write the fixed
 * answer (the same bytes mta-sts.cgi writes, from the generated response.h)
 * to standard output, exit.  Dynamically linked against libc only.
 *
 * Build: cc -O2 -DRESPONSE_H='"response.h"' -o minimal-cgi minimal-cgi.c
 */
#include <unistd.h>

#include RESPONSE_H	/* static const char response[] = "..."; */

int
main(void)
{
	const char	*p = response;
	size_t		 len = sizeof(response) - 1;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(STDOUT_FILENO, p, len)) <= 0)
			return 1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
