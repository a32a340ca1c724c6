/*
 * t_num: the decimal and port parsers (common/num.c), table-driven.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "num.h"
#include "test.h"

static void
test_parse(void)
{
	static const struct {
		const char	*s;
		uint64_t	 min, max;
		unsigned int	 flags;
		int		 rc;
		uint64_t	 v;
	} t[] = {
		{ "0", 0, 10, 0, 0, 0 },
		{ "10", 0, 10, 0, 0, 10 },
		{ "11", 0, 10, 0, -1, 0 },
		{ "5", 6, 10, 0, -1, 0 },
		{ "6", 6, 10, 0, 0, 6 },
		{ "", 0, 10, 0, -1, 0 },
		{ "007", 0, 10, 0, 0, 7 },
		{ "007", 0, 10, NUM_CANONICAL, -1, 0 },
		{ "0", 0, 10, NUM_CANONICAL, 0, 0 },
		{ "00", 0, 10, NUM_CANONICAL, -1, 0 },
		{ "+1", 0, 10, 0, -1, 0 },
		{ "-1", 0, 10, 0, -1, 0 },
		{ " 1", 0, 10, 0, -1, 0 },
		{ "1 ", 0, 10, 0, -1, 0 },
		{ "0x1", 0, 10, 0, -1, 0 },
		{ "1a", 0, 10, 0, -1, 0 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, 0, -1, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, 0, -1, 0 },
		{ "000000000000000000000000000001", 0, 1, 0, 0, 1 },
		{ "9223372036854775807", 0, INT64_MAX, NUM_CANONICAL, 0,
		    INT64_MAX },
		{ "9223372036854775808", 0, INT64_MAX, NUM_CANONICAL, -1, 0 },
		{ "5", 10, 0, 0, -1, 0 },	/* min > max */
	};
	uint64_t	 v;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		rc = num_parse_str(t[i].s, t[i].min, t[i].max, t[i].flags, &v);
		t_ok(rc == t[i].rc && v == (rc == 0 ? t[i].v : 12345),
		    "parse \"%s\" in %llu..%llu%s: %d", t[i].s,
		    (unsigned long long)t[i].min,
		    (unsigned long long)t[i].max,
		    t[i].flags & NUM_CANONICAL ? " canonical" : "", t[i].rc);
	}
	/* Length-bounded: the bytes after len are not looked at. */
	t_ok(num_parse("12x", 2, 0, 100, 0, &v) == 0 && v == 12,
	    "parse: only len bytes");
	t_inteq(num_parse("1\0" "2", 3, 0, 100, 0, &v), -1,
	    "parse: NUL inside refused");
	t_inteq(num_parse_str(NULL, 0, 1, 0, &v), -1, "parse: NULL refused");
}

static void
test_port(void)
{
	static const struct {
		const char	*s;
		unsigned int	 flags;
		int		 rc;
		uint16_t	 port;
	} t[] = {
		{ "1", 0, 0, 1 },
		{ "443", 0, 0, 443 },
		{ "65535", 0, 0, 65535 },
		{ "65536", 0, -1, 0 },
		{ "0", 0, -1, 0 },
		{ "0", NUM_PORT_ZERO, 0, 0 },
		{ "00", NUM_PORT_ZERO, 0, 0 },
		{ "0443", 0, 0, 443 },
		{ "0443", NUM_CANONICAL, -1, 0 },
		{ "", NUM_PORT_ZERO, -1, 0 },
		{ "4a", 0, -1, 0 },
		{ "99999999999999999999999", NUM_PORT_ZERO, -1, 0 },
	};
	uint16_t	 port;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		port = 7;
		rc = num_port(t[i].s, strlen(t[i].s), t[i].flags, &port);
		t_ok(rc == t[i].rc && port == (rc == 0 ? t[i].port : 7),
		    "port \"%s\" flags %u: %d", t[i].s, t[i].flags, t[i].rc);
	}
}

int
main(void)
{
	t_suite = "num";
	test_parse();
	test_port();
	return t_done();
}
