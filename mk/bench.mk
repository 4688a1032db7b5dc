# make bench: the table of bench/run.lua (requests per second and
# instructions per request against the C limit and the Lua peers).

BENCH_DIR    := build/bench
BENCH_CLIMIT := $(BENCH_DIR)/climit

.PHONY: bench

bench:
	@sh scripts/deps.sh base bench openresty redis
	@$(MAKE) --no-print-directory build $(BENCH_CLIMIT)
	@$(MAKE) --no-print-directory LUA=luajit build
	@lua5.4 bench/run.lua

$(BENCH_CLIMIT): bench/climit.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNFLAGS) $(shell $(PKG) --cflags libcurl libcjson) -o $@ $< \
		$(shell $(PKG) --libs libcurl libcjson) $(LDFLAGS)
