/* sl_tags.c: libsluice's view of the log tag table (include/sluice/tags.h):
 * names and documentation by number, numbers by name. */
#include <stddef.h>
#include <strings.h>

#include "sl_int.h"

static const char *const tag_names[256] = {
#define SL_TAG(n, name, doc) [n] = #name,
#include "sluice/tags.h"
#undef SL_TAG
};

static const char *const tag_docs[256] = {
#define SL_TAG(n, name, doc) [n] = doc,
#include "sluice/tags.h"
#undef SL_TAG
};

const char *sl_tag_name(unsigned tag)
{
	return tag < 256 ? tag_names[tag] : NULL;
}

const char *sl_tag_doc(unsigned tag)
{
	return tag < 256 ? tag_docs[tag] : NULL;
}

int sl_tag_lookup(const char *name)
{
	if (!name)
		return -1;
	for (unsigned i = 1; i < 256; i++)
		if (tag_names[i] && !strcasecmp(tag_names[i], name))
			return (int)i;
	return -1;
}

int sli_is_header_tag(unsigned tag)
{
	return tag == SL_TAG_ReqHeader || tag == SL_TAG_RespHeader ||
	       tag == SL_TAG_BereqHeader || tag == SL_TAG_BerespHeader;
}
