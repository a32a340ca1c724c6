/*
 * minimal-fcgi: the floor for any FastCGI responder built on libfcgi.
 *
 * Answers every request with the same fixed bytes (CGI headers and body),
 * compiled in from response.h, which bench/run.sh generates from a real
 * answer of mta-sts.fcgi, so both programs write exactly the same bytes.
 * No parsing, no allocation, no system call of its own per request: the
 * accept loop, FCGX_PutStr and FCGX_Finish_r are what every libfcgi
 * program pays.  SIGTERM ends the loop as in fcgi/main.c, so both exit the
 * same way (callgrind then writes its output).
 *
 * Build: cc -O2 -DRESPONSE_H='"response.h"' -o minimal-fcgi minimal-fcgi.c -lfcgi
 */
#include <signal.h>
#include <string.h>

#include <fcgiapp.h>

#include RESPONSE_H	/* static const char response[] = "..."; */

static void
on_term(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

int
main(void)
{
	FCGX_Request		 fr;
	struct sigaction	 sa;

	(void)signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&fr) >= 0) {
		(void)FCGX_PutStr(response, (int)sizeof(response) - 1, fr.out);
		FCGX_Finish_r(&fr);
	}
	return 0;
}
