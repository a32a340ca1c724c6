/*
 * publish: run the publish hook and wait for the DNS to show the new id
 * (see publish.h).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "dns.h"
#include "host.h"
#include "idstate.h"
#include "mlog.h"
#include "publish.h"
#include "ststxt.h"
#include "xmalloc.h"

extern char	**environ;

#define PUBLISH_ENV_SIZE	(HOST_NAME_SIZE + 64)
#define PUBLISH_TXT_MAX		4096	/* one joined TXT record we read */
#define PUBLISH_NVARS		5
#define PUBLISH_NS_PREFIX	"MTA_STS_NSUPDATE_"
#define PUBLISH_NEXTRA		3

/* The hook's variables; an inherited variable of the same name is dropped. */
static const char *const publish_vars[PUBLISH_NVARS] = {
	"MTA_STS_DOMAIN=", "MTA_STS_NAME=", "MTA_STS_VALUE=", "MTA_STS_ID=",
	"MTA_STS_TTL=",
};

/* 1 when the inherited variable e is one we set (or may set). */
static int
publish_ours(const char *e)
{
	size_t	 j;

	if (strncmp(e, PUBLISH_NS_PREFIX, strlen(PUBLISH_NS_PREFIX)) == 0)
		return 1;
	for (j = 0; j < PUBLISH_NVARS; j++)
		if (strncmp(e, publish_vars[j], strlen(publish_vars[j])) == 0)
			return 1;
	return 0;
}

/* In the child: never returns. */
static void __attribute__((noreturn))
publish_child(const char *hook, char *const argv[], char *const vars[])
{
	char	**env;
	size_t	  n, i, k;
	int	  fd;

	(void)setpgid(0, 0);
	(void)signal(SIGPIPE, SIG_DFL);
	if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
		_exit(127);
	if (fd > STDERR_FILENO)
		(void)close(fd);
	for (n = 0; environ[n] != NULL; n++)
		;
	if ((env = calloc(n + PUBLISH_NVARS + PUBLISH_NEXTRA + 1,
	    sizeof(*env))) == NULL)
		_exit(127);
	for (i = k = 0; i < n; i++)
		if (!publish_ours(environ[i]))
			env[k++] = environ[i];
	for (i = 0; i < PUBLISH_NVARS + PUBLISH_NEXTRA && vars[i] != NULL;
	    i++)
		env[k++] = vars[i];
	env[k] = NULL;
	execve(hook, argv, env);
	dprintf(STDERR_FILENO, "mta-sts-id: publish hook %s: %s\n", hook,
	    strerror(errno));
	_exit(127);
}

int
publish_hook(const char *hook, const char *domain, const char *id,
    unsigned int ttl, const struct conf *conf, char *err, size_t errlen)
{
	static const char *const extra[PUBLISH_NEXTRA] = {
		PUBLISH_NS_PREFIX "SERVER=", PUBLISH_NS_PREFIX "ZONE=",
		PUBLISH_NS_PREFIX "KEY=",
	};
	const char	*xval[PUBLISH_NEXTRA];
	char		*xvars[PUBLISH_NEXTRA];
	char		 name[HOST_NAME_SIZE + 16], value[IDSTATE_ID_SIZE + 16];
	char		 sttl[16];
	char		 vars[PUBLISH_NVARS][PUBLISH_ENV_SIZE];
	char		*argv[7], *vp[PUBLISH_NVARS + PUBLISH_NEXTRA + 1];
	long long	 end;
	pid_t		 pid, w;
	int		 status, i, nv, rc = -1;

	(void)snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	(void)snprintf(value, sizeof(value), "v=STSv1; id=%s", id);
	(void)snprintf(sttl, sizeof(sttl), "%u", ttl);
	argv[0] = (char *)hook;
	argv[1] = (char *)domain;
	argv[2] = name;
	argv[3] = value;
	argv[4] = (char *)id;
	argv[5] = sttl;
	argv[6] = NULL;
	for (i = 0; i < PUBLISH_NVARS; i++) {
		(void)snprintf(vars[i], sizeof(vars[i]), "%s%s",
		    publish_vars[i], argv[i + 1]);
		vp[i] = vars[i];
	}
	/* The nsupdate settings, for cli/hooks/nsupdate-hook. */
	xval[0] = conf != NULL ? conf->nsupdate_server : NULL;
	xval[1] = conf != NULL ? conf->nsupdate_zone : NULL;
	xval[2] = conf != NULL ? conf->nsupdate_key : NULL;
	nv = PUBLISH_NVARS;
	memset(xvars, 0, sizeof(xvars));
	for (i = 0; i < PUBLISH_NEXTRA; i++) {
		if (xval[i] == NULL)
			continue;
		if ((xvars[i] = xmalloc(strlen(extra[i]) + strlen(xval[i]) +
		    1)) == NULL) {
			(void)snprintf(err, errlen, "out of memory");
			goto out;
		}
		(void)strcpy(xvars[i], extra[i]);
		(void)strcat(xvars[i], xval[i]);
		vp[nv++] = xvars[i];
	}
	vp[nv] = NULL;
	if (fflush(stdout) == EOF || fflush(stderr) == EOF) {
		(void)snprintf(err, errlen, "flushing output: %s",
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		(void)snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		publish_child(hook, argv, vp);
	(void)setpgid(pid, pid);	/* both sides: no race */
	end = clock_ms() + PUBLISH_HOOK_TIMEOUT_S * 1000LL;
	for (;;) {
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		if (w == -1 && errno != EINTR) {
			(void)snprintf(err, errlen, "waitpid: %s",
			    strerror(errno));
			goto out;
		}
		if (clock_ms() >= end) {
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
			(void)snprintf(err, errlen, "killed after %d s",
			    PUBLISH_HOOK_TIMEOUT_S);
			goto out;
		}
		(void)nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 },
		    NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else if (WIFEXITED(status))
		(void)snprintf(err, errlen, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		(void)snprintf(err, errlen, "killed by signal %d",
		    WTERMSIG(status));
	else
		(void)snprintf(err, errlen, "ended with status %d", status);
 out:
	for (i = 0; i < PUBLISH_NEXTRA; i++)
		free(xvars[i]);
	return rc;
}

/* Join one TXT rdata's character-strings into out; -1 when malformed. */
static int
publish_txt_join(const unsigned char *d, size_t len, char *out, size_t size)
{
	size_t	 i = 0, o = 0, n;

	while (i < len) {
		n = d[i++];
		if (n > len - i || o + n >= size)
			return -1;
		memcpy(out + o, d + i, n);
		o += n;
		i += n;
	}
	if (memchr(out, '\0', o) != NULL)
		return -1;
	out[o] = '\0';
	return 0;
}

/* One look at the DNS: 1 when it shows exactly our record, 0 if not. */
static int
publish_look(const struct conf *conf, const char *name, const char *id,
    char *err, size_t errlen)
{
	struct dns_query	 q;
	struct dns		*dns;
	char			**txt = NULL, got[STSTXT_ID_SIZE], why[256];
	size_t			 i, n = 0;
	int			 seen = 0;

	if ((dns = dns_new(conf, err, errlen)) == NULL)
		return 0;
	memset(&q, 0, sizeof(q));
	q.name = name;
	q.type = DNS_TYPE_TXT;
	dns_run(dns, &q, 1, PUBLISH_DNS_TIMEOUT_MS);
	if (q.res.rc != DNS_OK) {
		(void)snprintf(err, errlen, "%s TXT: %s%s%s", name,
		    dns_rc_name(q.res.rc), q.res.why[0] != '\0' ? ": " : "",
		    q.res.why);
		goto out;
	}
	if ((txt = xcalloc(q.res.n + 1, sizeof(*txt))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (n = 0; n < q.res.n; n++) {
		if ((txt[n] = xmalloc(PUBLISH_TXT_MAX)) == NULL) {
			(void)snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (publish_txt_join(q.res.data[n], q.res.len[n], txt[n],
		    PUBLISH_TXT_MAX) == -1)
			(void)strcpy(txt[n], "?");	/* not an STS record */
	}
	n = q.res.n;
	if (ststxt_select(txt, n, got, sizeof(got), NULL, why,
	    sizeof(why)) != STSTXT_OK)
		(void)snprintf(err, errlen, "%s TXT: %s", name, why);
	else if (strcmp(got, id) != 0)
		(void)snprintf(err, errlen, "%s TXT: id %s, not %s", name,
		    got, id);
	else
		seen = 1;
 out:
	if (txt != NULL)
		for (i = 0; i < q.res.n; i++)
			free(txt[i]);
	free(txt);
	dns_result_clear(&q.res);
	dns_free(dns);
	return seen;
}

int
publish_seen(const struct conf *conf, const char *domain, const char *id,
    unsigned long wait_s, char *err, size_t errlen)
{
	char		 name[HOST_NAME_SIZE + 16];
	long long	 end;

	(void)snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	end = clock_ms() + (long long)wait_s * 1000;
	for (;;) {
		if (publish_look(conf, name, id, err, errlen))
			return 0;
		mlog_debug("%s: not yet: %s", domain, err);
		if (clock_ms() + PUBLISH_POLL_S * 1000LL > end)
			return -1;
		(void)sleep(PUBLISH_POLL_S);
	}
}
