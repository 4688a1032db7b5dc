# make check: the whole spec suite against AddressSanitizer + UBSan builds
# of the core and of signals-mock (build/asan/), then again under valgrind's
# memcheck (the memcheck target). Any sanitizer report, from the Lua process
# or from the mock, fails it, leaks included; mk/lsan.supp names the few
# programs (none of them the project's) whose own leaks are let through.
#
# lua5.4 itself is not instrumented, so the sanitizer runtime is preloaded
# into it (and into what it starts: the mock, helper processes). Reports go
# to build/asan/reports/, one file per process, because the mock's stderr
# is a log file the specs do not show.

ASAN_OUT      := build/asan
ASAN_FLAGS    := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_CORE_OBJ := $(patsubst csrc/%.c,$(ASAN_OUT)/$(LUA)/obj/%.o,$(CORE_SRC))
ASAN_CORE_SO  := $(ASAN_OUT)/$(LUA)/signals/core.so
ASAN_MOCK     := $(ASAN_OUT)/signals-mock
ASAN_REPORTS  := $(CURDIR)/$(ASAN_OUT)/reports
ASAN_ENV       = LD_PRELOAD=$$($(CC) -print-file-name=libasan.so) \
                 ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$(ASAN_REPORTS)/asan \
                 LSAN_OPTIONS=suppressions=$(CURDIR)/mk/lsan.supp:print_suppressions=0 \
                 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(ASAN_REPORTS)/ubsan \
                 SIGNALS_MOCK=$(CURDIR)/$(ASAN_MOCK) SIGNALS_SANITIZER=asan

.PHONY: check check-asan

check:
	@sh scripts/deps.sh base cli check tls
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory memcheck

$(ASAN_OUT)/$(LUA)/obj/%.o: csrc/%.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) $(CORE_CFLAGS) -c -o $@ $<

$(ASAN_CORE_SO): $(ASAN_CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) -shared -o $@ $(ASAN_CORE_OBJ) $(CORE_LIBS)

$(ASAN_MOCK): $(MOCK_SRC) $(MOCK_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) $(MOCK_CFLAGS) -o $@ $(MOCK_SRC) $(MOCK_LIBS)

# busted's status is kept through the pipe to tee; the summary line of the
# run is printed last.
check-asan: $(ASAN_CORE_SO) $(ASAN_MOCK)
	@rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	@{ $(ASAN_ENV) $(LUA) /usr/bin/busted --cpath='$(ASAN_OUT)/$(LUA)/?.so'; \
	   echo $$? >$(ASAN_OUT)/check.status; } | tee $(ASAN_OUT)/check.out
	@status=$$(cat $(ASAN_OUT)/check.status); \
	if [ -n "$$(ls -A $(ASAN_REPORTS))" ]; then \
	    echo "check: sanitizer reports in $(ASAN_REPORTS):"; \
	    for f in $(ASAN_REPORTS)/*; do echo "== $$f"; head -n 60 "$$f"; done; \
	    status=99; \
	else \
	    echo "check: ASan + UBSan: no errors, no leaks"; \
	fi; \
	tail -n 1 $(ASAN_OUT)/check.out; \
	exit $$status
