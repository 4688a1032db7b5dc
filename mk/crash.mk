# make crash-test: the full crash test of signals.queue (scripts/crash_test.lua):
# 1000 jobs, 4 worker processes, 24 SIGKILLs at random moments, against a
# real redis-server and signals-mock. make test runs a short one
# (spec/queue_crash_spec.lua).

.PHONY: crash-test

crash-test:
	@sh scripts/deps.sh base redis
	@$(MAKE) --no-print-directory LUA=lua5.4 build
	@lua5.4 scripts/crash_test.lua
