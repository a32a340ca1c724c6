/*
 * test.h: the tiny table-driven unit test kit used by tests/unit/.
 *
 * Every check prints exactly one line, "PASS suite: name" or
 * "FAIL suite: name", followed on failure by indented have/want lines.
 * tests/run.sh counts the lines; t_done() gives the exit status.
 */
#ifndef TEST_H
#define TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char	*t_suite = "unit";
static int		 t_npass, t_nfail;

static void __attribute__((format(printf, 2, 0)))
t_vresult(int ok, const char *fmt, va_list ap)
{
	printf("%s %s: ", ok ? "PASS" : "FAIL", t_suite);
	vprintf(fmt, ap);
	printf("\n");
	if (ok)
		t_npass++;
	else
		t_nfail++;
}

/* Record one check. Returns ok so callers can add detail lines. */
static int __attribute__((format(printf, 2, 3), unused))
t_ok(int ok, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	t_vresult(ok, fmt, ap);
	va_end(ap);
	return ok;
}

/* Print a byte string visibly (CR, LF, tabs and non-ASCII escaped). */
static void __attribute__((unused))
t_show(const char *label, const char *s, size_t len)
{
	size_t	 i;

	printf("    %s: ", label);
	if (s == NULL) {
		printf("(null)\n");
		return;
	}
	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r')
			fputs("\\r", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("\"\n");
}

/* Compare two strings (NULL allowed); prints have/want on mismatch. */
static int __attribute__((format(printf, 3, 4), unused))
t_streq(const char *have, const char *want, const char *fmt, ...)
{
	va_list	 ap;
	int	 ok;

	ok = (have == NULL && want == NULL) ||
	    (have != NULL && want != NULL && strcmp(have, want) == 0);
	va_start(ap, fmt);
	t_vresult(ok, fmt, ap);
	va_end(ap);
	if (!ok) {
		t_show("have", have, have ? strlen(have) : 0);
		t_show("want", want, want ? strlen(want) : 0);
	}
	return ok;
}

/* Compare two integers; prints have/want on mismatch. */
static int __attribute__((format(printf, 3, 4), unused))
t_inteq(long long have, long long want, const char *fmt, ...)
{
	va_list	 ap;
	int	 ok = have == want;

	va_start(ap, fmt);
	t_vresult(ok, fmt, ap);
	va_end(ap);
	if (!ok)
		printf("    have: %lld\n    want: %lld\n", have, want);
	return ok;
}

/*
 * Run fn(arg) with no privileges: as root, in a child process switched to
 * uid/gid 65534 (so permission checks apply; the paths fn uses must be
 * traversable by that user), otherwise directly.  fn records its checks
 * with t_ok() and friends as usual; the child's counts are carried back.
 */
static void __attribute__((unused))
t_unprivileged(void (*fn)(void *), void *arg)
{
	pid_t	 pid;
	int	 status;

	if (geteuid() != 0) {
		fn(arg);
		return;
	}
	fflush(stdout);
	if ((pid = fork()) == -1) {
		t_ok(0, "fork for an unprivileged check");
		return;
	}
	if (pid == 0) {
		t_npass = t_nfail = 0;
		if (setgid(65534) == -1 || setuid(65534) == -1) {
			t_ok(0, "dropping privileges to uid 65534");
			fflush(stdout);
			_exit(200);
		}
		fn(arg);
		fflush(stdout);
		_exit(t_nfail > 100 ? 100 : t_nfail * 10 + (t_npass > 9 ? 9 : t_npass));
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) >= 200) {
		t_nfail++;
		return;
	}
	t_nfail += WEXITSTATUS(status) / 10;
	t_npass += WEXITSTATUS(status) % 10;
}

static int __attribute__((unused))
t_done(void)
{
	return t_nfail == 0 ? 0 : 1;
}

#endif /* TEST_H */
