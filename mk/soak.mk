# make soak [SOAK_CALLS=N]: bench/soak.lua on Lua 5.4 and on LuaJIT, each
# SOAK_CALLS calls (default 20000) through client:all against signals-mock
# with faults mixed in; it fails when descriptors or memory do not come back
# to their start level, or when the POSTs the mock received differ from
# those the client sent.

SOAK_CALLS ?= 20000

.PHONY: soak

soak:
	@sh scripts/deps.sh base luajit
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory LUA=luajit lib
	@for lua in lua5.4 luajit; do \
	    SOAK_CALLS=$(SOAK_CALLS) SIGNALS_MOCK=$(CURDIR)/$(MOCK_BIN) $$lua bench/soak.lua || exit 1; \
	done
