# mta-sts-cgi: one non-recursive Makefile.
#   make            build fcgi/mta-sts.fcgi, cgi/mta-sts.cgi, cli/mta-sts-id,
#                   tlsrpt/mta-sts-tlsrpt.cgi, tlsrpt/mta-sts-tlsrpt-mail
#   make check      build and run every test; ends with "N passed, N failed"
#   make static     fully static binaries in static/ (for shared hosting)
#   make install / uninstall   honour DESTDIR PREFIX BINDIR MANDIR SYSCONFDIR
#                   LIBEXECDIR (the publish hooks of mta-sts-id)
#                   SYSTEMDUNITDIR (mta-sts-id.service and .timer)
#   make fuzz       run every libFuzzer harness FUZZ_SECONDS (60) each
#   make clean

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= $(PREFIX)/etc
LIBEXECDIR	?= $(PREFIX)/libexec
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
LOCALSTATEDIR	?= /var/lib
FUZZ_SECONDS	?= 60
INSTALL		?= install

CC		?= cc
PKG_CONFIG	?= pkg-config
CFLAGS		?= -O2 -g
WARNFLAGS	 = -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
		   -Wstrict-prototypes -Wmissing-prototypes
UNBOUND_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libunbound 2>/dev/null)
UNBOUND_LIBS	:= $(shell $(PKG_CONFIG) --libs libunbound 2>/dev/null || echo -lunbound)
FCGI_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags fcgi 2>/dev/null)
FCGI_LIBS	:= $(shell $(PKG_CONFIG) --libs fcgi 2>/dev/null || echo -lfcgi)
SSL_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags openssl 2>/dev/null)
SSL_LIBS	:= $(shell $(PKG_CONFIG) --libs openssl 2>/dev/null || echo -lssl -lcrypto)
# TLS-RPT (tlsrpt/): json-c in report.c, zlib in gz.c, GMime in mime.c.
JSON_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSON_LIBS	:= $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
ZLIB_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags zlib 2>/dev/null)
ZLIB_LIBS	:= $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null || echo -lz)
GMIME_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags gmime-3.0 2>/dev/null)
GMIME_LIBS	:= $(shell $(PKG_CONFIG) --libs gmime-3.0 2>/dev/null || echo -lgmime-3.0 -lgobject-2.0 -lglib-2.0)
DEFS		 = -DCONF_DEFAULT_PATH='"$(SYSCONFDIR)/mta-sts.conf"' \
		   -DCONF_STATE_DIR='"$(LOCALSTATEDIR)/mta-sts"'
ALL_CFLAGS	 = $(CFLAGS) $(WARNFLAGS) $(DEFS) -Icommon -Itlsrpt -D_GNU_SOURCE

# Everything in common/ except dns.c, the only file that needs libunbound:
# what the three programs share.
CORE_SRCS	 = common/lookup.c common/buf.c common/cgiio.c common/clock.c common/xmalloc.c common/mlog.c common/host.c \
		   common/policy.c common/override.c common/conf.c common/confindex.c common/nameset.c common/file.c common/num.c common/ststxt.c \
		   common/rdata.c common/anchor.c common/dnsresult.c common/cache.c common/errf.c \
		   common/resolve.c \
		   common/request.c common/response.c common/server.c
CORE_OBJS	 = $(CORE_SRCS:.c=.o)
DNS_OBJ		 = common/dns.o
LIBCORE		 = common/libcore.a

PROGS		 = fcgi/mta-sts.fcgi cgi/mta-sts.cgi cli/mta-sts-id \
		   tlsrpt/mta-sts-tlsrpt.cgi tlsrpt/mta-sts-tlsrpt-mail

# TLS-RPT: reading the stored reports (mta-sts-id --report, --check) and
# taking them in (the two intake programs).
RPT_READ_OBJS	 = tlsrpt/summary.o tlsrpt/store.o tlsrpt/report.o
RPT_IN_OBJS	 = tlsrpt/intake.o tlsrpt/store.o tlsrpt/report.o tlsrpt/gz.o
UNIT_SRCS	 = $(wildcard tests/unit/t_*.c)
UNIT_TESTS	 = $(UNIT_SRCS:.c=)
LAB_PROGS	 = tests/lab/blackhole

all: $(PROGS)

$(LIBCORE): $(CORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $(CORE_OBJS)

common/dns.o: common/dns.c
	$(CC) $(ALL_CFLAGS) $(UNBOUND_CFLAGS) -c -o $@ $<

# The modules only mta-sts-id uses live in cli/ and stay out of libcore.a:
# ids and state files, the HTTPS/STARTTLS client (the only file that
# includes OpenSSL), --check's audit, and one domain's bump.
CLI_CFLAGS	 = $(ALL_CFLAGS) -Icli
CLI_OBJS	 = cli/bump.o cli/check.o cli/fetch.o cli/idstate.o cli/publish.o

cli/fetch.o: cli/fetch.c
	$(CC) $(CLI_CFLAGS) $(SSL_CFLAGS) -c -o $@ $<

cli/main.o cli/bump.o cli/check.o cli/idstate.o cli/publish.o: %.o: %.c
	$(CC) $(CLI_CFLAGS) -c -o $@ $<

fcgi/main.o: fcgi/main.c
	$(CC) $(ALL_CFLAGS) $(FCGI_CFLAGS) -c -o $@ $<

# summary.c makes --check's reports finding: it sees cli/'s check.h.
tlsrpt/summary.o: tlsrpt/summary.c
	$(CC) $(CLI_CFLAGS) -c -o $@ $<

tlsrpt/report.o: tlsrpt/report.c
	$(CC) $(ALL_CFLAGS) $(JSON_CFLAGS) -c -o $@ $<

tlsrpt/gz.o: tlsrpt/gz.c
	$(CC) $(ALL_CFLAGS) $(ZLIB_CFLAGS) -c -o $@ $<

tlsrpt/mime.o: tlsrpt/mime.c
	$(CC) $(ALL_CFLAGS) $(GMIME_CFLAGS) -c -o $@ $<

tlsrpt/main-http.o: tlsrpt/main-http.c
	$(CC) $(ALL_CFLAGS) $(FCGI_CFLAGS) -c -o $@ $<

tlsrpt/mta-sts-tlsrpt.cgi: tlsrpt/main-http.o $(RPT_IN_OBJS) $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tlsrpt/main-http.o $(RPT_IN_OBJS) \
	    $(LIBCORE) $(FCGI_LIBS) $(JSON_LIBS) $(ZLIB_LIBS)

tlsrpt/mta-sts-tlsrpt-mail: tlsrpt/main-mail.o tlsrpt/mime.o $(RPT_IN_OBJS) $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tlsrpt/main-mail.o tlsrpt/mime.o \
	    $(RPT_IN_OBJS) $(LIBCORE) $(GMIME_LIBS) $(JSON_LIBS) $(ZLIB_LIBS)

.c.o:
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

fcgi/mta-sts.fcgi: fcgi/main.o $(DNS_OBJ) $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ fcgi/main.o $(DNS_OBJ) $(LIBCORE) \
	    $(FCGI_LIBS) $(UNBOUND_LIBS) -lpthread

# The CGI loads libunbound only when a request needs the DNS (dns.c built
# with DNS_DLOPEN): an answer from cache_dir then maps nothing but libc.
common/dns-dl.o: common/dns.c
	$(CC) $(ALL_CFLAGS) $(UNBOUND_CFLAGS) -DDNS_DLOPEN -c -o $@ common/dns.c

cgi/mta-sts.cgi: cgi/main.o common/dns-dl.o $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ cgi/main.o common/dns-dl.o $(LIBCORE) \
	    -ldl -lpthread

cli/mta-sts-id: cli/main.o $(CLI_OBJS) $(DNS_OBJ) $(RPT_READ_OBJS) $(LIBCORE)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ cli/main.o $(CLI_OBJS) $(DNS_OBJ) \
	    $(RPT_READ_OBJS) $(LIBCORE) $(SSL_LIBS) $(UNBOUND_LIBS) $(JSON_LIBS) -lpthread

# Unit tests link the core library only; a test of code above the DNS
# module supplies its own stub dns_*() functions.
tests/unit/t_%: tests/unit/t_%.c tests/unit/test.h $(LIBCORE)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBCORE)

tests/unit/t_fetch: tests/unit/t_fetch.c tests/unit/test.h cli/fetch.o $(LIBCORE)
	$(CC) $(CLI_CFLAGS) $(LDFLAGS) -o $@ $< cli/fetch.o $(LIBCORE) $(SSL_LIBS)

tests/unit/t_idstate: tests/unit/t_idstate.c tests/unit/test.h cli/idstate.o $(LIBCORE)
	$(CC) $(CLI_CFLAGS) $(LDFLAGS) -o $@ $< cli/idstate.o $(LIBCORE)

# t_check stubs dns_*() and fetch_get(): the pure checks are unit-tested,
# the live ones in tests/integration/check.sh.
tests/unit/t_check: tests/unit/t_check.c tests/unit/test.h cli/check.o cli/idstate.o $(RPT_READ_OBJS) $(LIBCORE)
	$(CC) $(CLI_CFLAGS) $(LDFLAGS) -o $@ $< cli/check.o cli/idstate.o $(RPT_READ_OBJS) \
	    $(LIBCORE) $(JSON_LIBS) -lpthread

# t_tlsrpt: the report parser, gzip bounds, store and summary (no check.o:
# it supplies check_add()).
tests/unit/t_tlsrpt: tests/unit/t_tlsrpt.c tests/unit/test.h $(RPT_IN_OBJS) tlsrpt/summary.o cli/idstate.o $(LIBCORE)
	$(CC) $(CLI_CFLAGS) $(LDFLAGS) -o $@ $< tlsrpt/summary.o $(RPT_IN_OBJS) \
	    cli/idstate.o $(LIBCORE) $(JSON_LIBS) $(ZLIB_LIBS)

# Fully static binaries from Debian's static libraries (libunbound.a is
# built with nettle, gmp and libevent).  glibc warns that getaddrinfo() and
# friends need its shared NSS modules at run time; the code paths that use
# them (libunbound's config user lookup, WKS records, listening sockets)
# are never reached by these programs.
STATIC_DNS_LIBS	:= $(shell $(PKG_CONFIG) --static --libs libunbound 2>/dev/null)
STATIC_SSL_LIBS	:= $(shell $(PKG_CONFIG) --static --libs openssl 2>/dev/null)
STATIC_JSON_LIBS := $(shell $(PKG_CONFIG) --static --libs json-c 2>/dev/null)
STATIC_QUIET	 = grep -v -e 'statically linked applications requires' \
		   -e ': in function .*\(getaddrinfo\|gethostbyname\|wks\|uid\|make_sock\|fetch_connect\)' \
		   -e '^/usr/bin/ld: .*: in function' || true
STATIC_PROGS	 = static/mta-sts.cgi static/mta-sts.fcgi static/mta-sts-id

static: $(STATIC_PROGS)

static/mta-sts.cgi: cgi/main.o $(DNS_OBJ) $(LIBCORE)
	@mkdir -p static && rm -f $@
	$(CC) -static $(CFLAGS) $(LDFLAGS) -o $@ cgi/main.o $(DNS_OBJ) \
	    $(LIBCORE) $(STATIC_DNS_LIBS) -lpthread 2>&1 | \
	    $(STATIC_QUIET)
	@test -x $@

static/mta-sts.fcgi: fcgi/main.o $(DNS_OBJ) $(LIBCORE)
	@mkdir -p static && rm -f $@
	$(CC) -static $(CFLAGS) $(LDFLAGS) -o $@ fcgi/main.o $(DNS_OBJ) \
	    $(LIBCORE) -lfcgi $(STATIC_DNS_LIBS) -lpthread 2>&1 | \
	    $(STATIC_QUIET)
	@test -x $@

static/mta-sts-id: cli/main.o $(CLI_OBJS) $(DNS_OBJ) $(RPT_READ_OBJS) $(LIBCORE)
	@mkdir -p static && rm -f $@
	$(CC) -static $(CFLAGS) $(LDFLAGS) -o $@ cli/main.o $(CLI_OBJS) \
	    $(DNS_OBJ) $(RPT_READ_OBJS) $(LIBCORE) $(STATIC_SSL_LIBS) $(STATIC_DNS_LIBS) \
	    $(STATIC_JSON_LIBS) \
	    -lpthread 2>&1 | \
	    $(STATIC_QUIET)
	@test -x $@

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 755 fcgi/mta-sts.fcgi cgi/mta-sts.cgi cli/mta-sts-id \
	    tlsrpt/mta-sts-tlsrpt.cgi tlsrpt/mta-sts-tlsrpt-mail \
	    $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 common/mta-sts.conf.5 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 644 cgi/mta-sts.cgi.8 cli/mta-sts-id.8 \
	    tlsrpt/mta-sts-tlsrpt.8 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -d $(DESTDIR)$(LIBEXECDIR)/mta-sts
	$(INSTALL) -m 755 cli/hooks/nsupdate-hook $(DESTDIR)$(LIBEXECDIR)/mta-sts
	$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    cli/systemd/mta-sts-id.service.in \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/mta-sts-id.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/mta-sts-id.service
	$(INSTALL) -m 644 cli/systemd/mta-sts-id.timer $(DESTDIR)$(SYSTEMDUNITDIR)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mta-sts.fcgi $(DESTDIR)$(BINDIR)/mta-sts.cgi \
	    $(DESTDIR)$(BINDIR)/mta-sts-id \
	    $(DESTDIR)$(BINDIR)/mta-sts-tlsrpt.cgi \
	    $(DESTDIR)$(BINDIR)/mta-sts-tlsrpt-mail \
	    $(DESTDIR)$(MANDIR)/man8/mta-sts-tlsrpt.8 \
	    $(DESTDIR)$(MANDIR)/man5/mta-sts.conf.5 \
	    $(DESTDIR)$(MANDIR)/man8/mta-sts.cgi.8 \
	    $(DESTDIR)$(MANDIR)/man8/mta-sts-id.8 \
	    $(DESTDIR)$(LIBEXECDIR)/mta-sts/nsupdate-hook \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/mta-sts-id.service \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/mta-sts-id.timer

fuzz:
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

tests/lab/blackhole: tests/lab/blackhole.c
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

check: deps
	@$(MAKE) -s --no-print-directory $(PROGS) $(UNIT_TESTS) $(LAB_PROGS)
	@bash tests/run.sh

deps:
	@bash tests/deps.sh

clean:
	rm -f common/*.o common/*.a fcgi/*.o cgi/*.o cli/*.o tlsrpt/*.o $(PROGS) \
	    $(UNIT_TESTS) $(LAB_PROGS)
	rm -rf static

# Header dependencies, kept coarse on purpose: every object depends on
# every header in common/, and those in cli/ on cli/'s headers too.
$(CORE_OBJS) $(DNS_OBJ) common/dns-dl.o fcgi/main.o cgi/main.o: \
    $(wildcard common/*.h)
cli/main.o $(CLI_OBJS): $(wildcard common/*.h) $(wildcard cli/*.h) $(wildcard tlsrpt/*.h)
tlsrpt/report.o tlsrpt/gz.o tlsrpt/mime.o tlsrpt/store.o tlsrpt/intake.o \
    tlsrpt/summary.o tlsrpt/main-http.o tlsrpt/main-mail.o: \
    $(wildcard common/*.h) $(wildcard cli/*.h) $(wildcard tlsrpt/*.h)

.PHONY: all check clean static install uninstall fuzz

demo: deps
	@$(MAKE) -s --no-print-directory all $(LAB_PROGS)
	@bash demo/demo.sh

.PHONY: demo deps
