# koyomi — GNU make build.
#
# Layering is enforced by the link: each module, and each layer folder of
# daemon/, is its own archive, and `make check` (tests/layers.py) fails
# when an archive needs a symbol from one above it or a file includes a
# header from above (docs/hacking.md has the map):
#   daemon -> notifier, calendars, rules -> calendars
#   daemon/: cli -> server -> http -> inbox -> chase -> feeds -> outbox
#            -> core -> store -> codec   (cli and http never meet)
# Sources are found by wildcard, so adding a file needs no edit here.

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man
DOCDIR    = $(PREFIX)/share/doc/koyomi
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d

VERSION  := 0.1.0
VARIANT  ?= normal
B        := build/$(VARIANT)

# gmime-3.0 (and the GLib it needs) only in daemon/inbox/; libzip for the
# submissions' zip.
PKGS     = libical libcurl sqlite3 yaml-0.1 libmicrohttpd libssl libcrypto \
           libsystemd zlib gmime-3.0 libzip
TESTPKGS = cmocka

CC       ?= cc
OPTIMIZATION ?= -O2
CFLAGS   ?= $(OPTIMIZATION) -g
WARN      = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wwrite-strings \
            -Wpointer-arith -Wmissing-prototypes -Wstrict-prototypes \
            -Wno-missing-field-initializers
ifeq ($(VARIANT),asan)
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
OPTIMIZATION = -O1
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Debian 12 ships no libev.pc: link it by name.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lev -lm
TEST_CFLAGS := $(shell pkg-config --cflags $(TESTPKGS) 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -DKOYOMI_VERSION='"$(VERSION)"' \
             -I. $(WARN) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)
CPPFLAGS += -MMD -MP

CAL_SRCS    := $(sort $(wildcard calendars/*.c))
RULES_SRCS  := $(sort $(wildcard rules/*.c))
NOTIFY_SRCS := $(sort $(wildcard notifier/*.c))
# daemon/'s layers, top first: the link order.
LAYERS      := cli server http inbox chase feeds outbox core store codec
layer_srcs   = $(sort $(filter-out daemon/cli/main.c,$(wildcard daemon/$(1)/*.c)))
DAEMON_SRCS := $(foreach l,$(LAYERS),$(call layer_srcs,$(l)))
MAIN_SRCS   := daemon/cli/main.c

objs = $(patsubst %.c,$(B)/%.o,$(1))
CAL_LIB    := $(B)/libcal.a
RULES_LIB  := $(B)/librules.a
NOTIFY_LIB := $(B)/libnotify.a
LAYER_LIBS := $(foreach l,$(LAYERS),$(B)/libd_$(l).a)
BIN        := $(B)/koyomi

UNIT_SRCS  := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/*_fuzz.c))

ALL_OBJS := $(call objs,$(CAL_SRCS) $(RULES_SRCS) $(NOTIFY_SRCS) \
            $(DAEMON_SRCS) $(MAIN_SRCS))

.PHONY: all deps deps-run run test test-variant unit layers integration \
        check fuzz install uninstall clean bench asan golden-update \
        screenshots
.DEFAULT_GOAL := all

all: $(BIN) koyomi

# A convenience link at the top so the README can say ./koyomi.
koyomi: $(BIN)
	@ln -sf $(BIN) koyomi

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(CAL_LIB): $(call objs,$(CAL_SRCS))
$(RULES_LIB): $(call objs,$(RULES_SRCS))
$(NOTIFY_LIB): $(call objs,$(NOTIFY_SRCS))
$(foreach l,$(LAYERS),$(eval $(B)/libd_$(l).a: $(call objs,$(call layer_srcs,$(l)))))
$(B)/%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

LIBS_ALL := $(LAYER_LIBS) $(NOTIFY_LIB) $(RULES_LIB) $(CAL_LIB)

$(BIN): $(call objs,$(MAIN_SRCS)) $(LIBS_ALL)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests: the file name's prefix picks the layer it may link.
unit_libs = $(if $(filter cal_%,$(1)),$(CAL_LIB),\
            $(if $(filter rules_%,$(1)),$(RULES_LIB) $(CAL_LIB),\
            $(if $(filter notify_%,$(1)),$(NOTIFY_LIB) $(CAL_LIB),\
            $(LIBS_ALL))))
.SECONDEXPANSION:
$(B)/tests/%: $(B)/tests/unit/%.o $$(call unit_libs,$$*)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

-include $(ALL_OBJS:.o=.d) $(patsubst %.c,$(B)/%.d,$(UNIT_SRCS))

# make deps: everything the tests use; make deps-run: only what building
# and running need (tests/deps.sh).
deps:
	@sh tests/deps.sh test

deps-run:
	@sh tests/deps.sh run

# make run: the daemon on the shipped rules with a local database and mail
# folder under ./var, listening on 127.0.0.1:8080; on a fresh database it
# prints a first admin token and where to log in (etc/run.sh).
run: deps-run all
	@sh etc/run.sh $(BIN)

# The dashboard's pictures in docs/screenshots/ (README.md shows them),
# taken by the browser test in headless chromium.
screenshots: all
	@mkdir -p docs/screenshots
	@cd $$(mktemp -d) && KOYOMI=$(abspath $(BIN)) KOYOMI_SRC=$(CURDIR) \
	    SCREENSHOTS=$(CURDIR)/docs/screenshots \
	    /usr/bin/python3 $(CURDIR)/tests/integration/dashboard_browser.py

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(B) $(UNIT_BINS)

integration: all
	@sh tests/run-integration.sh $(abspath $(BIN))

# The layering (docs/hacking.md): includes and the archives' symbols.
layers: all
	@mkdir -p build
	@if python3 tests/layers.py --link $(B); then \
	    echo "pass check layers $(B)" >> build/results.txt; \
	else echo "fail check layers $(B)" >> build/results.txt; exit 1; fi

test-variant: all unit layers integration

# make test: both builds, every test, and a sanitizer report fails it.
test: deps
	@rm -f build/results.txt
	$(MAKE) --no-print-directory VARIANT=normal test-variant
	$(MAKE) --no-print-directory VARIANT=asan test-variant
	@FUZZ_SECONDS=3 FUZZ_RESULTS=build/results.txt sh tests/fuzz/run.sh || :
	@sh tests/summary.sh build/results.txt

asan:
	$(MAKE) VARIANT=asan all

# Rewrites the golden files of tests/integration/check_golden.sh from the
# current binary; the test only compares. Review `git diff tests/golden`.
golden-update: all
	@sh tests/golden/update.sh $(BIN)

check: all
	@python3 tests/layers.py --link $(B)
	@sh tests/static-check.sh

fuzz:
	@sh tests/fuzz/run.sh

bench: all
	@echo "see bench/README.md"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/koyomi/rules
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/koyomi
	for m in docs/*.1; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man1/; done; true
	for m in docs/*.5; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man5/; done; true
	cp -R rules/cycles rules/directory $(DESTDIR)$(SYSCONFDIR)/koyomi/rules/
	[ -f $(DESTDIR)$(SYSCONFDIR)/koyomi/koyomi.conf ] || \
	    install -m 0644 etc/koyomi.conf.dist $(DESTDIR)$(SYSCONFDIR)/koyomi/koyomi.conf
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 etc/koyomi.conf.dist $(DESTDIR)$(DOCDIR)/koyomi.conf.example
	# The unit names the binary: point it at this BINDIR.
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	sed 's|/usr/local/bin/koyomi|$(BINDIR)/koyomi|g' systemd/koyomi.service \
	    > $(DESTDIR)$(UNITDIR)/koyomi.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/koyomi.service
	install -m 0644 systemd/koyomi.sysusers $(DESTDIR)$(SYSUSERSDIR)/koyomi.conf
	install -m 0644 systemd/koyomi.tmpfiles $(DESTDIR)$(TMPFILESDIR)/koyomi.conf

# Leaves /etc/koyomi (configuration and rules) and /var/lib/koyomi alone.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/koyomi
	for m in docs/*.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$$(basename $$m); done
	for m in docs/*.5; do rm -f $(DESTDIR)$(MANDIR)/man5/$$(basename $$m); done
	rm -f $(DESTDIR)$(UNITDIR)/koyomi.service \
	    $(DESTDIR)$(SYSUSERSDIR)/koyomi.conf $(DESTDIR)$(TMPFILESDIR)/koyomi.conf
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build koyomi
