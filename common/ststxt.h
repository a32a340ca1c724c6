/*
 * ststxt: the _mta-sts TXT record, RFC 8461 section 3.1.
 *
 *	sts-text-record	= sts-version 1*(sts-field-delim sts-field)
 *			  [sts-field-delim]
 *	sts-version	= %s"v=" %s"STSv1"
 *	sts-field-delim	= *WSP ";" *WSP
 *	sts-field	= sts-id / sts-extension
 *	sts-id		= %s"id=" 1*32(ALPHA / DIGIT)
 *	sts-extension	= sts-ext-name "=" sts-ext-value
 *	sts-ext-name	= (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *	sts-ext-value	= 1*(%x21-3A / %x3C / %x3E-7E)
 *
 * A field named "id" is the id (the grammar would also read "id=2024-01"
 * as an extension; the id is required, so such a record is invalid), and
 * it must appear exactly once.  A record is an STS record when it begins
 * with "v=STSv1" followed by the end, WSP or ";" ("v=STSv10" is not one).
 * Selection: records that are not STS records are discarded; exactly one
 * must remain and be valid, else the domain has no policy.
 */
#ifndef STSTXT_H
#define STSTXT_H

#include <stddef.h>

#define STSTXT_ID_MAX	32
#define STSTXT_ID_SIZE	(STSTXT_ID_MAX + 1)

enum ststxt_rc {
	STSTXT_OK,	/* a valid STS record: id set */
	STSTXT_NOT_STS,	/* does not begin with "v=STSv1": discard it */
	STSTXT_INVALID,	/* an STS record that breaks the grammar */
	STSTXT__MAX
};

/*
 * Parse the len bytes of one joined TXT record.  On STSTXT_OK the id is
 * copied to id (idlen >= STSTXT_ID_SIZE; a smaller buffer gets "");
 * otherwise id is "" (when idlen > 0).
 */
enum ststxt_rc ststxt_parse(const char *txt, size_t len, char *id,
	    size_t idlen);

/*
 * ststxt_parse(), and on STSTXT_INVALID a one-line reason in why (cut to
 * whylen; why may be NULL), e.g. "invalid id \"2024-01\" (want 1 to 32
 * letters and digits)".  Bytes of the record quoted in why that are not
 * printable ASCII appear as '?'.
 */
enum ststxt_rc ststxt_parse_why(const char *txt, size_t len, char *id,
	    size_t idlen, char *why, size_t whylen);

/*
 * The selection rule over the n records txt[] (joined, NUL-terminated)
 * found at one name.  Returns STSTXT_OK with the id and, when which is not
 * NULL, the index of the STS record; STSTXT_NOT_STS when no record is an
 * STS record (why: "no TXT record" or "no record begins with
 * \"v=STSv1\""); STSTXT_INVALID when more than one is, or the one is
 * invalid (why says which).
 */
enum ststxt_rc ststxt_select(char *const *txt, size_t n, char *id,
	    size_t idlen, size_t *which, char *why, size_t whylen);

#endif /* STSTXT_H */
