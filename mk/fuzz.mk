# make fuzz [FUZZ_SECONDS=N] [FUZZ_HARNESSES="decode answer"]
#
# libFuzzer harnesses (fuzz/) for every decoder of the core and for the key
# scrubber, built with
# clang's -fsanitize=fuzzer,address,undefined into build/fuzz/ and run one
# after the other for FUZZ_SECONDS each (fuzz/run.sh; see fuzz/README.md).

FUZZ_SECONDS   ?= 60
FUZZ_HARNESSES ?= decode answer error_body headers scrub
FUZZ_OUT       := build/fuzz
FUZZ_CC        := clang
FUZZ_SANITIZE  := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS    := -g -O1 -fno-omit-frame-pointer $(FUZZ_SANITIZE)
FUZZ_CORE_OBJ  := $(patsubst csrc/%.c,$(FUZZ_OUT)/obj/%.o,$(CORE_SRC))
FUZZ_BINS      := $(foreach h,$(FUZZ_HARNESSES),$(FUZZ_OUT)/fuzz_$(h))
FUZZ_LIBS       = $(shell $(PKG) --libs $(LUA_PC)) $(CORE_LIBS) -lm -pthread
# Coverage for the core and the harnesses; libFuzzer's main only at the link.
FUZZ_COMPILE    = $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(CORE_CFLAGS)

.PHONY: fuzz fuzz-build
.PRECIOUS: $(FUZZ_OUT)/obj/%.o

fuzz:
	@sh scripts/deps.sh base fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

fuzz-build: $(FUZZ_BINS)

$(FUZZ_OUT)/obj/%.o: csrc/%.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_COMPILE) -c -o $@ $<

$(FUZZ_OUT)/obj/fuzz_lua.o: fuzz/fuzz_lua.c fuzz/fuzz_lua.h
	@mkdir -p $(dir $@)
	$(FUZZ_COMPILE) -DFUZZ_TARGETS_LUA='"$(CURDIR)/fuzz/targets.lua"' -c -o $@ $<

$(FUZZ_OUT)/obj/harness_%.o: fuzz/harness.c fuzz/fuzz_lua.h
	@mkdir -p $(dir $@)
	$(FUZZ_COMPILE) -DFUZZ_TARGET='"$*"' -c -o $@ $<

$(FUZZ_OUT)/obj/headers.o: fuzz/headers.c fuzz/fuzz_lua.h csrc/http.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_COMPILE) -Icsrc -c -o $@ $<

# headers.c compiles http.c into itself, so that harness links the rest.
$(FUZZ_OUT)/fuzz_headers: $(FUZZ_OUT)/obj/headers.o $(FUZZ_OUT)/obj/fuzz_lua.o \
                          $(filter-out $(FUZZ_OUT)/obj/http.o,$(FUZZ_CORE_OBJ))
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

$(FUZZ_OUT)/obj/scrub_check.o: fuzz/scrub.c csrc/scrub.h $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_COMPILE) -Icsrc -c -o $@ $<

# scrub.c checks sig_scrub against its own reference in C: no Lua state.
$(FUZZ_OUT)/fuzz_scrub: $(FUZZ_OUT)/obj/scrub_check.o $(FUZZ_OUT)/obj/scrub.o
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/obj/harness_%.o $(FUZZ_OUT)/obj/fuzz_lua.o $(FUZZ_CORE_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)
