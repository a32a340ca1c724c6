/*
 * Every configuration key the parser accepts is documented in
 * mta-sts.conf(5), and the page documents no key the parser refuses.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "test.h"

#define PAGE	"common/mta-sts.conf.5"

static int
known(const char *key)
{
	size_t	 i;

	for (i = 0; conf_keys[i] != NULL; i++)
		if (strcmp(conf_keys[i], key) == 0)
			return 1;
	return 0;
}

int
main(void)
{
	FILE	*f;
	char	 line[512], key[64];
	size_t	 i;
	int	 found[64] = { 0 };

	t_suite = "docs";
	if ((f = fopen(PAGE, "r")) == NULL) {
		t_ok(0, "%s can be read (run from the top of the tree)", PAGE);
		return t_done();
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, ".It Ic %63s", key) != 1)
			continue;
		t_ok(known(key), "%s documents \"%s\", a key the parser "
		    "accepts", PAGE, key);
		for (i = 0; conf_keys[i] != NULL && i < 64; i++)
			if (strcmp(conf_keys[i], key) == 0)
				found[i] = 1;
	}
	(void)fclose(f);
	for (i = 0; conf_keys[i] != NULL && i < 64; i++)
		t_ok(found[i], "the parser's key \"%s\" is documented in %s",
		    conf_keys[i], PAGE);
	return t_done();
}
