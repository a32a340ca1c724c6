/*
 * fuzz_conf: conf_parse() on arbitrary bytes.
 *
 * Besides "no crash, no leak, no out-of-bounds access", every outcome must
 * keep the promises of conf.h: an error leaves *out NULL and an error
 * message naming the file; a success gives a configuration whose values
 * are in range, whose listed names are valid lower-case names found by
 * conf_find() once each, and whose per-domain policies point at
 * the domain's own override and mx_allow strings.
 */
#include <stdint.h>
#include <string.h>

#include "conf.h"
#include "host.h"
#include "policy.h"
#include "fuzz.h"

#define NAME	"/etc/fuzz/mta-sts.conf"

static void
check_policy(const struct conf_policy *pol)
{
	FUZZ_ASSERT((unsigned int)pol->mode < POLICY_MODE__MAX);
	FUZZ_ASSERT(pol->max_age <= POLICY_MAX_AGE_MAX);
	FUZZ_ASSERT((unsigned int)pol->dnssec < CONF_DNSSEC__MAX);
}

static void
check_conf(const struct conf *c)
{
	const struct conf_domain	*d;
	const struct conf_policy	*pol;
	const char			*name;
	char				 host[HOST_NAME_SIZE + 8];
	size_t				 i, len, iter, n;
	unsigned int			 line;

	FUZZ_ASSERT(c->path != NULL && strcmp(c->path, NAME) == 0);
	check_policy(&c->global);
	FUZZ_ASSERT(c->global.override == NULL);
	FUZZ_ASSERT(c->global.mx_allow == NULL);
	FUZZ_ASSERT((unsigned int)c->resolver < CONF_RESOLVER__MAX);
	FUZZ_ASSERT(c->nforwarders <= CONF_MAX_FORWARDERS);
	FUZZ_ASSERT(c->resolver == CONF_RESOLVER_FORWARD ?
	    c->nforwarders > 0 : c->nforwarders == 0);
	for (i = 0; i < c->nforwarders; i++)
		FUZZ_ASSERT(c->forwarders[i] != NULL &&
		    c->forwarders[i][0] != '\0');
	FUZZ_ASSERT(c->state_dir != NULL);
	FUZZ_ASSERT(c->cache_max_ttl <= CONF_CACHE_MAX_TTL_MAX);
	FUZZ_ASSERT(c->stale_max <= POLICY_MAX_AGE_MAX);
	FUZZ_ASSERT(c->nlisted >= c->ndomains);
	FUZZ_ASSERT(c->ndomains == 0 || c->domains != NULL);
	/* Every listed name is valid, lower case, found, once. */
	for (iter = 0, n = 0; (name = conf_listed_next(c, &iter, &line)) !=
	    NULL; n++) {
		len = strlen(name);
		FUZZ_ASSERT(host_valid(name, len));
		FUZZ_ASSERTF(strspn(name,
		    "abcdefghijklmnopqrstuvwxyz0123456789-.") == len,
		    "domain \"%s\" not lower case", name);
		FUZZ_ASSERT(line >= 1);
		FUZZ_ASSERT(conf_find(c, name, &pol) == 1);
		d = conf_domain_find(c, name);
		FUZZ_ASSERT(d == NULL ? pol == &c->global : pol == &d->pol);
	}
	FUZZ_ASSERT(n == c->nlisted);

	for (i = 0; i < c->ndomains; i++) {
		d = &c->domains[i];
		len = strnlen(d->name, sizeof(d->name));
		FUZZ_ASSERT(len < sizeof(d->name));
		FUZZ_ASSERT(host_valid(d->name, len));
		FUZZ_ASSERTF(strspn(d->name,
		    "abcdefghijklmnopqrstuvwxyz0123456789-.") == len,
		    "domain \"%s\" not lower case", d->name);
		FUZZ_ASSERT(d->line >= 1);
		FUZZ_ASSERT(d->len > 0 && d->off >= c->globlen);
		check_policy(&d->pol);
		FUZZ_ASSERT(d->pol.override == d->override);
		FUZZ_ASSERT(d->pol.mx_allow == d->mx_allow);
		FUZZ_ASSERT(conf_domain_find(c, d->name) == d);
		FUZZ_ASSERT(conf_policy_for(c, d) == &d->pol);
		/* Exercise the mx_allow matcher on names near the domain. */
		(void)conf_mx_allowed(&d->pol, d->name);
		(void)snprintf(host, sizeof(host), "mx.%s", d->name);
		(void)conf_mx_allowed(&d->pol, host);
	}
	FUZZ_ASSERT(conf_policy_for(c, NULL) == &c->global);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*conf = (struct conf *)1;	/* must become NULL */
	char		 err[1024];
	int		 rc;

	memset(err, 'x', sizeof(err));
	rc = conf_parse(NAME, (const char *)data, size, &conf, err,
	    sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc == -1) {
		FUZZ_ASSERT(conf == NULL);
		FUZZ_ASSERTF(strncmp(err, NAME ":", strlen(NAME ":")) == 0 &&
		    err[strlen(NAME ":")] != '\0', "error \"%s\"", err);
		return 0;
	}
	FUZZ_ASSERT(conf != NULL);
	check_conf(conf);
	conf_free(conf);
	return 0;
}
