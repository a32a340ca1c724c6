#include <stddef.h>

#include "anchor.h"

/* From IANA's root-anchors.xml, as shipped in dns-root-data's root.ds. */
const char *const anchor_root_ds[] = {
	". IN DS 20326 8 2 "
	    "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". IN DS 38696 8 2 "
	    "683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
	NULL
};
