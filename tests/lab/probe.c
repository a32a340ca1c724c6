/*
 * probe.c - one validated lookup through libunbound, for the DNS lab.
 *
 * usage: probe UNBOUND_CONF TA NAME TYPE
 *
 * Loads UNBOUND_CONF with ub_ctx_config() and the trust anchor file TA
 * with ub_ctx_add_ta_file() (the way our program does), resolves NAME
 * TYPE in class IN and prints
 *
 *   rcode=%d havedata=%d nxdomain=%d secure=%d bogus=%d why_bogus=%s
 *
 * then one line per rdata: "A 192.0.2.1", "AAAA 2001:db8::1",
 * "MX 10 mx.example.", "TXT \"v=STSv1; id=1\"", "CNAME x.example." /
 * "NS x.example.", and for any other type "TYPEn \# LEN HEX".  Names
 * keep the case they arrived in.  TYPE is one of A NS CNAME SOA MX TXT
 * AAAA DS RRSIG NSEC DNSKEY, TYPEn or a number.
 *
 * With PROBE_TIMING set in the environment, also prints
 * "probe: ub_resolve took N.N ms" on stderr.
 *
 * Exit status: 0 when ub_resolve() returned a result (whatever its
 * rcode), 1 on a libunbound error, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unbound.h>

static const struct {
	const char *name;
	int type;
} types[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "MX", 15 },
	{ "TXT", 16 }, { "AAAA", 28 }, { "DS", 43 }, { "RRSIG", 46 },
	{ "NSEC", 47 }, { "DNSKEY", 48 },
};

/* Map a type mnemonic, "TYPEn" or a number to its value; -1 if unknown. */
static int parse_type(const char *s)
{
	const char *digits = s;
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(s, types[i].name) == 0)
			return types[i].type;
	if (strncasecmp(s, "TYPE", 4) == 0)
		digits = s + 4;
	if (*digits < '0' || *digits > '9')
		return -1;
	v = strtol(digits, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

/* Print the uncompressed wire-format name at P[*off..LEN) in text form,
 * escaping '.', '\\' and non-printable bytes so that odd labels stay
 * visible.  Advances *off past the name.  Returns 0, or -1 if the name
 * is malformed (libunbound hands out rdata without compression). */
static int print_name(const unsigned char *p, int len, int *off)
{
	int i = *off, any = 0;

	while (i < len && p[i] != 0) {
		int l = p[i++], k;

		if (l > 63 || i + l > len)
			return -1;
		for (k = 0; k < l; k++, i++) {
			unsigned char c = p[i];

			if (c == '.' || c == '\\')
				printf("\\%c", c);
			else if (c > 0x20 && c < 0x7f)
				putchar(c);
			else
				printf("\\%03u", c);
		}
		putchar('.');
		any = 1;
	}
	if (i >= len)
		return -1;
	if (!any)
		putchar('.');	/* the root, as in Null MX "0 ." */
	*off = i + 1;
	return 0;
}

/* Print TXT rdata: each character-string quoted, '"' and '\\' escaped. */
static int print_txt(const unsigned char *p, int len)
{
	int i = 0;

	printf("TXT");
	while (i < len) {
		int l = p[i++], k;

		if (i + l > len)
			return -1;
		printf(" \"");
		for (k = 0; k < l; k++, i++) {
			unsigned char c = p[i];

			if (c == '"' || c == '\\')
				printf("\\%c", c);
			else if (c >= 0x20 && c < 0x7f)
				putchar(c);
			else
				printf("\\%03u", c);
		}
		putchar('"');
	}
	return 0;
}

static void print_generic(int type, const unsigned char *p, int len)
{
	int i;

	printf("TYPE%d \\# %d ", type, len);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

/* Print one rdata on its own line; fall back to the generic form for
 * anything that does not parse. */
static void print_rdata(int type, const unsigned char *p, int len)
{
	char ip[INET6_ADDRSTRLEN];
	int off = 0, ok = 0;

	/* Render into stdout directly; on a parse error the partial text
	 * is followed by the generic form, which is still unambiguous. */
	switch (type) {
	case 1:
		if (len == 4 && inet_ntop(AF_INET, p, ip, sizeof ip)) {
			printf("A %s", ip);
			ok = 1;
		}
		break;
	case 28:
		if (len == 16 && inet_ntop(AF_INET6, p, ip, sizeof ip)) {
			printf("AAAA %s", ip);
			ok = 1;
		}
		break;
	case 2:
	case 5:
		printf("%s ", type == 2 ? "NS" : "CNAME");
		ok = print_name(p, len, &off) == 0 && off == len;
		break;
	case 15:
		if (len >= 3) {
			printf("MX %u ", (unsigned)p[0] << 8 | p[1]);
			off = 2;
			ok = print_name(p, len, &off) == 0 && off == len;
		}
		break;
	case 16:
		ok = print_txt(p, len) == 0;
		break;
	}
	if (!ok) {
		if (type == 1 || type == 2 || type == 5 || type == 15 ||
		    type == 16 || type == 28)
			printf(" <malformed> ");
		print_generic(type, p, len);
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	struct ub_ctx *ctx;
	struct ub_result *r;
	struct timespec t0, t1;
	int type, err, i;

	if (argc != 5) {
		fprintf(stderr, "usage: probe UNBOUND_CONF TA NAME TYPE\n");
		return 2;
	}
	type = parse_type(argv[4]);
	if (type < 0) {
		fprintf(stderr, "probe: unknown type %s\n", argv[4]);
		return 2;
	}
	ctx = ub_ctx_create();
	if (!ctx) {
		fprintf(stderr, "probe: ub_ctx_create failed\n");
		return 1;
	}
	if ((err = ub_ctx_config(ctx, argv[1])) != 0) {
		fprintf(stderr, "probe: %s: %s\n", argv[1], ub_strerror(err));
		ub_ctx_delete(ctx);
		return 1;
	}
	if ((err = ub_ctx_add_ta_file(ctx, argv[2])) != 0) {
		fprintf(stderr, "probe: %s: %s\n", argv[2], ub_strerror(err));
		ub_ctx_delete(ctx);
		return 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ub_resolve(ctx, argv[3], type, 1 /* IN */, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (getenv("PROBE_TIMING"))
		fprintf(stderr, "probe: ub_resolve took %.1f ms\n",
			(double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (err != 0) {
		fprintf(stderr, "probe: resolve %s: %s\n", argv[3], ub_strerror(err));
		ub_ctx_delete(ctx);
		return 1;
	}

	printf("rcode=%d havedata=%d nxdomain=%d secure=%d bogus=%d why_bogus=%s\n",
	       r->rcode, r->havedata, r->nxdomain, r->secure, r->bogus,
	       r->why_bogus ? r->why_bogus : "-");
	for (i = 0; r->havedata && r->data[i]; i++)
		print_rdata(type, (const unsigned char *)r->data[i], r->len[i]);

	ub_resolve_free(r);
	ub_ctx_delete(ctx);
	return 0;
}
