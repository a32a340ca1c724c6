/*
 * mime: see mime.h.  GMime parses the message and undoes the transfer
 * encodings (base64, quoted-printable); this file only picks the parts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "mime.h"
#include "xmalloc.h"

/* The state of one mime_reports() walk. */
struct mime_walk {
	struct mime_part	*parts;
	size_t			 n;
	size_t			 max;
	int			 nomem;
};

void
mime_init(void)
{
	g_mime_init();
}

void
mime_done(void)
{
	g_mime_shutdown();
}

void
mime_parts_free(struct mime_part *parts, size_t n)
{
	size_t	 i;

	if (parts == NULL)
		return;
	for (i = 0; i < n; i++)
		free(parts[i].data);
	free(parts);
}

/* 1 when name ends in suffix, ignoring case. */
static int
mime_ends(const char *name, const char *suffix)
{
	size_t	 n = strlen(name), s = strlen(suffix);

	return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

static int
mime_is_report(GMimeContentType *ct, const char *name)
{
	if (ct != NULL && (g_mime_content_type_is_type(ct, "application",
	    "tlsrpt+gzip") || g_mime_content_type_is_type(ct, "application",
	    "tlsrpt+json")))
		return 1;
	return name != NULL && (mime_ends(name, ".json.gz") ||
	    mime_ends(name, ".json") || mime_ends(name, ".gz"));
}

static void
mime_visit(GMimeObject *parent, GMimeObject *obj, gpointer arg)
{
	struct mime_walk	*w = arg;
	struct mime_part	*p;
	GMimeContentType	*ct;
	GMimeDataWrapper	*content;
	GMimeStream		*mem;
	GByteArray		*ba;
	const char		*name;
	char			*type;
	size_t			 len;

	(void)parent;
	if (!GMIME_IS_PART(obj) || w->n >= MIME_PARTS_MAX || w->nomem)
		return;
	ct = g_mime_object_get_content_type(obj);
	name = g_mime_part_get_filename(GMIME_PART(obj));
	if (!mime_is_report(ct, name))
		return;
	if ((content = g_mime_part_get_content(GMIME_PART(obj))) == NULL)
		return;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(content, mem) == -1) {
		g_object_unref(mem);
		return;
	}
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	len = ba->len > w->max ? w->max + 1 : ba->len;
	p = &w->parts[w->n];
	if ((p->data = xmalloc(len + 1)) == NULL) {
		w->nomem = 1;
		g_object_unref(mem);
		return;
	}
	if (len > 0)	/* an empty part has no data pointer */
		memcpy(p->data, ba->data, len);
	p->data[len] = '\0';
	p->len = len;
	type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	(void)snprintf(p->label, sizeof(p->label), "%s%s%.100s",
	    type != NULL ? type : "?", name != NULL ? " " : "",
	    name != NULL ? name : "");
	g_free(type);
	w->n++;
	g_object_unref(mem);
}

int
mime_reports(const char *msg, size_t len, size_t max,
    struct mime_part **parts, size_t *n, char *err, size_t errlen)
{
	struct mime_walk	 w;
	GMimeStream		*stream;
	GMimeParser		*parser;
	GMimeMessage		*m;

	*parts = NULL;
	*n = 0;
	memset(&w, 0, sizeof(w));
	w.max = max;
	if ((w.parts = xcalloc(MIME_PARTS_MAX, sizeof(*w.parts))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	stream = g_mime_stream_mem_new_with_buffer(msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (m == NULL) {
		(void)snprintf(err, errlen, "not an RFC 5322 message");
		free(w.parts);
		return -1;
	}
	g_mime_message_foreach(m, mime_visit, &w);
	/* A message whose body is the report itself, not a multipart. */
	if (w.n == 0 && m->mime_part != NULL && GMIME_IS_PART(m->mime_part))
		mime_visit(NULL, m->mime_part, &w);
	g_object_unref(m);
	if (w.nomem) {
		mime_parts_free(w.parts, w.n);
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	*parts = w.parts;
	*n = w.n;
	return 0;
}
