/*
 * The built-in root trust anchor must equal Debian's dns-root-data
 * /usr/share/dns/root.ds, record for record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor.h"
#include "test.h"

#define ROOT_DS	"/usr/share/dns/root.ds"

/* Collapse runs of blanks to one space and drop the line end. */
static void
squeeze(char *s)
{
	char	*o = s, *start = s;
	int	 sp = 0;

	for (; *s != '\0' && *s != '\n' && *s != '\r'; s++) {
		if (*s == ' ' || *s == '\t') {
			sp = 1;
			continue;
		}
		if (sp && o != start)
			*o++ = ' ';
		sp = 0;
		*o++ = *s;
	}
	*o = '\0';
}

int
main(void)
{
	FILE	*f;
	char	 line[512];
	size_t	 n = 0, nbuiltin;

	t_suite = "anchor";
	for (nbuiltin = 0; anchor_root_ds[nbuiltin] != NULL; nbuiltin++)
		;
	if ((f = fopen(ROOT_DS, "r")) == NULL) {
		t_ok(0, "built-in root DS equals %s (cannot open it)", ROOT_DS);
		return t_done();
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == ';' || line[0] == '\n')
			continue;
		squeeze(line);
		if (n < nbuiltin)
			t_streq(anchor_root_ds[n], line,
			    "built-in DS %zu equals %s", n + 1, ROOT_DS);
		else
			t_ok(0, "%s has an extra record: %s", ROOT_DS, line);
		n++;
	}
	(void)fclose(f);
	t_inteq((long long)n, (long long)nbuiltin,
	    "record count equals %s", ROOT_DS);
	return t_done();
}
