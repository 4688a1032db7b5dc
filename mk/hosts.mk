# The other hosts of signals: one build per Lua ABI, the embedding example,
# and the package groups `make test` needs for them (see the test target).
#
#   make LUA=lua5.4|lua5.3|lua5.1|luajit   the module for that ABI, in build/$(LUA)/
#   make embed [LUA=...]                  examples/embed/host.c and frames.c linked with libsignals.a
#
# Each ABI has its own build directory: a module built for 5.4 does not load
# in 5.1 or LuaJIT (lua_newuserdatauv), one built for 5.1 loads in both.

# The deps groups of the Lua versions make test runs (lua5.4 is in base).
TEST_DEPS   = $(patsubst lua5.%,lua5%,$(filter-out lua5.4,$(TEST_LUAS)))
# Optional: without them the nginx, redis and luarocks specs are skipped.
HOST_DEPS   = openresty redis packaging

EMBED_HOST  := $(BUILD)/embed-host
FRAME_HOST  := $(BUILD)/frame-host
EMBED_LIBS   = $(CORE_LIBS) $(shell $(PKG) --libs $(LUA_PC)) -lm -ldl

.PHONY: embed

embed: $(EMBED_HOST) $(FRAME_HOST)

$(EMBED_HOST): examples/embed/host.c $(CORE_LIB)
$(FRAME_HOST): examples/embed/frames.c $(CORE_LIB)

$(EMBED_HOST) $(FRAME_HOST):
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNFLAGS) $(shell $(PKG) --cflags $(LUA_PC)) -o $@ $< \
		$(CORE_LIB) $(EMBED_LIBS) $(LDFLAGS)
