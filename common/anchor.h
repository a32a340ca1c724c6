/*
 * anchor: the built-in DNSSEC trust anchor for the root zone.
 */
#ifndef ANCHOR_H
#define ANCHOR_H

/*
 * The root zone's DS records (KSK-2017, key tag 20326, and KSK-2024, key
 * tag 38696) in zone-file form, NULL-terminated.  They must equal
 * /usr/share/dns/root.ds from Debian's dns-root-data package; a unit test
 * compares them.
 */
extern const char *const anchor_root_ds[];

#endif /* ANCHOR_H */
