# signals: Lua client for the Saber Signals API.
#
#   make demo      install what is missing, build, run the quickstart against signals-mock
#   make test      install what is missing, build, run every spec
#   make memcheck  the spec suite with the core and the mock under valgrind
#   make install   PREFIX=/usr/local DESTDIR=
#
# Flags come from pkg-config. Targets that need packages first run
# scripts/deps.sh, then re-enter make so that pkg-config sees them.

LUA        ?= lua5.4
LUA_GIVEN  := $(filter command line,$(origin LUA))
# LuaRocks passes the interpreter's path (LUA=/usr/bin/lua5.1): its name
# selects the headers (pkg-config) and the build directory.
override LUA := $(notdir $(LUA))
LUA_PC     ?= $(LUA)
# LUA=luajit (OpenResty's luajit2, pkg-config name luajit) is a 5.1 ABI.
LUA_VER    ?= $(if $(filter luajit%,$(LUA)),5.1,$(patsubst lua%,%,$(LUA)))
CC         ?= cc
CFLAGS     ?= -O2 -g
WARNFLAGS  := -Wall -Wextra -Werror
PKG        := pkg-config

BUILD      := build/$(LUA)
CORE_SO    := $(BUILD)/signals/core.so
CORE_LIB   := $(BUILD)/libsignals.a
MOCK_BIN   := build/signals-mock

CORE_SRC   := $(wildcard csrc/*.c)
CORE_OBJ   := $(patsubst csrc/%.c,$(BUILD)/obj/%.o,$(CORE_SRC))
CORE_HDR   := $(wildcard csrc/*.h)
MOCK_SRC   := $(wildcard mock/*.c)
MOCK_HDR   := $(wildcard mock/*.h)

# Lazily expanded: evaluated only in recipes that run after deps.sh.
CORE_CFLAGS = $(WARNFLAGS) -fPIC -fvisibility=hidden $(shell $(PKG) --cflags $(LUA_PC) libcurl libcjson libcrypto)
CORE_LIBS   = $(shell $(PKG) --libs libcurl libcjson libcrypto)
MOCK_CFLAGS = $(WARNFLAGS) -pthread $(shell $(PKG) --cflags libmicrohttpd libcjson)
MOCK_LIBS   = $(shell $(PKG) --libs libmicrohttpd libcjson) -pthread

PREFIX     ?= /usr/local
LUA_LMOD   ?= $(PREFIX)/share/lua/$(LUA_VER)
LUA_CMOD   ?= $(PREFIX)/lib/lua/$(LUA_VER)
BINDIR     ?= $(PREFIX)/bin

.PHONY: all build lib static deps demo test memcheck install install-lib clean

all: build

build: lib static $(MOCK_BIN)

lib: $(CORE_SO)

# The same objects for C programs that link the core in (examples/embed/).
static: $(CORE_LIB)

$(BUILD)/obj/%.o: csrc/%.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CORE_CFLAGS) -c -o $@ $<

$(CORE_SO): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $(CORE_OBJ) $(CORE_LIBS) $(LDFLAGS)

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $(CORE_OBJ)

$(MOCK_BIN): $(MOCK_SRC) $(MOCK_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(MOCK_CFLAGS) -o $@ $(MOCK_SRC) $(MOCK_LIBS) $(LDFLAGS)

deps:
	@sh scripts/deps.sh base

demo:
	@sh scripts/deps.sh base cli
	@$(MAKE) --no-print-directory build
	@sh scripts/demo.sh

# make test runs the suite once per Lua ABI (only LUA's when LUA is given on
# the command line); the last line sums the runs. The hosts' packages (nginx,
# redis, luarocks) are optional: without them their specs are skipped.
TEST_LUAS  ?= $(if $(LUA_GIVEN),$(LUA),lua5.4 lua5.3 lua5.1 luajit)

test:
	@sh scripts/deps.sh base cli tls $(TEST_DEPS)
	@sh scripts/deps.sh $(HOST_DEPS) || echo "make test: host packages missing; their specs will be skipped"
	@for lua in $(TEST_LUAS); do $(MAKE) --no-print-directory LUA=$$lua build || exit 1; done
	@LUAS="$(TEST_LUAS)" sh scripts/run-specs.sh

# The specs tagged #host do their work in a program of their own (nginx,
# LÖVE), which valgrind does not watch: memcheck leaves them to make test.
memcheck:
	@sh scripts/deps.sh base cli memcheck
	@$(MAKE) --no-print-directory build
	@SIGNALS_VALGRIND=1 sh scripts/run-specs.sh --exclude-tags=host

# install-lib is the library alone (what the rockspec uses); install adds
# signals-mock and the signals command (bin/signals, its shebang naming $(LUA)).
install-lib: $(CORE_SO)
	install -d $(DESTDIR)$(LUA_CMOD)/signals $(DESTDIR)$(LUA_LMOD)/signals/transports $(DESTDIR)$(LUA_LMOD)/signals/store
	install -m 0755 $(CORE_SO) $(DESTDIR)$(LUA_CMOD)/signals/core.so
	install -m 0644 lua/signals/*.lua $(DESTDIR)$(LUA_LMOD)/signals/
	install -m 0644 lua/signals/transports/*.lua $(DESTDIR)$(LUA_LMOD)/signals/transports/
	install -m 0644 lua/signals/store/*.lua $(DESTDIR)$(LUA_LMOD)/signals/store/

install: install-lib $(MOCK_BIN)
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(MOCK_BIN) $(DESTDIR)$(BINDIR)/signals-mock
	install -d $(DESTDIR)$(LUA_LMOD)/signals/cli
	install -m 0644 lua/signals/cli/*.lua $(DESTDIR)$(LUA_LMOD)/signals/cli/
	sed '1s|.*|#!/usr/bin/env $(LUA)|' bin/signals >$(DESTDIR)$(BINDIR)/signals
	chmod 0755 $(DESTDIR)$(BINDIR)/signals

clean:
	rm -rf build

# Further targets (check, fuzz, bench, ...) each live in a fragment of their own.
include $(wildcard mk/*.mk)
