# The differential fuzzer (tests/fuzz/fuzz_iocp.c): libFuzzer on the model,
# the committed corpus replayed on the model and, cross-built, under Wine
# (included by the Makefile).

.PHONY: check-fuzz check-fuzz-wine fuzz
TEST_NATIVE += check-fuzz

FUZZ_CORPUS  := tests/fuzz/corpus
FUZZ_RUNS    ?= 20000
FUZZ_SECONDS ?= 600
FUZZ_OUT     := $(BUILD)/fuzz
FUZZER       := $(FUZZ_OUT)/fuzz_iocp
$(FUZZER): tests/fuzz/fuzz_iocp.c $(LIB_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(WARN) $(CPPFLAGS) -Itests $(FEATURES) -O1 -g -DFUZZ_LIBFUZZER \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -o $@ tests/fuzz/fuzz_iocp.c $(LIB_SRC) -pthread

$(BUILD)/fuzz_replay: tests/fuzz/fuzz_iocp.c $(STATIC) $(HEADERS)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -o $@ tests/fuzz/fuzz_iocp.c $(STATIC) -pthread

# The corpus's file names, one per line: the replay drivers read them on
# standard input, so no command line grows with the corpus.
FUZZ_LIST = find $(FUZZ_CORPUS) -type f | LC_ALL=C sort

# The corpus replayed on the model, every step checked, its trace kept.
$(FUZZ_OUT)/model-trace.txt: $(BUILD)/fuzz_replay $(wildcard $(FUZZ_CORPUS)/*)
	@mkdir -p $(dir $@)
	$(FUZZ_LIST) | $(BUILD)/fuzz_replay --trace > $@.tmp || { tail -3 $@.tmp; exit 1; }
	@mv $@.tmp $@; tail -1 $@

check-fuzz: $(FUZZER) $(FUZZ_OUT)/model-trace.txt ## the corpus, then FUZZ_RUNS new inputs
	rm -rf $(FUZZ_OUT)/scratch && mkdir -p $(FUZZ_OUT)/scratch
	$(FUZZER) -seed=1 -runs=$(FUZZ_RUNS) -max_len=256 -artifact_prefix=$(FUZZ_OUT)/ \
	  $(FUZZ_OUT)/scratch $(FUZZ_CORPUS) > $(FUZZ_OUT)/run.log 2>&1; status=$$?; \
	  grep -E "^Done|ERROR|fuzz:|Test unit written" $(FUZZ_OUT)/run.log; exit $$status

# New inputs go to build/fuzz/found (add a crash to the corpus with its fix).
fuzz: $(FUZZER) ## fuzz for FUZZ_SECONDS (600)
	mkdir -p $(FUZZ_OUT)/found
	$(FUZZER) -max_total_time=$(FUZZ_SECONDS) -max_len=256 -artifact_prefix=$(FUZZ_OUT)/ \
	  $(FUZZ_OUT)/found $(FUZZ_CORPUS)

# The same corpus on real Win32: every step checked against the reference,
# and the trace compared line by line with the model's.
WIN_FUZZ := $(WIN_BUILD)/fuzz_replay.exe
$(WIN_FUZZ): tests/fuzz/fuzz_iocp.c $(MODULE_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ tests/fuzz/fuzz_iocp.c $(MODULE_SRC)

check-fuzz-wine: $(WIN_FUZZ) $(FUZZ_OUT)/model-trace.txt ## the corpus under Wine, against the model
	$(FUZZ_LIST) | $(WINE_ENV) timeout 600 wine $(WIN_FUZZ) --trace > $(WIN_BUILD)/fuzz-trace.txt; \
	  status=$$?; $(WINE_ENV) wineserver -k 2>/dev/null; tr -d '\r' < $(WIN_BUILD)/fuzz-trace.txt \
	  > $(WIN_BUILD)/fuzz-trace.lf; tail -1 $(WIN_BUILD)/fuzz-trace.lf; [ $$status = 0 ]
	diff $(FUZZ_OUT)/model-trace.txt $(WIN_BUILD)/fuzz-trace.lf > $(WIN_BUILD)/fuzz-trace.diff || \
	  { echo "fuzz: the model and Wine differ on the corpus:"; head -20 $(WIN_BUILD)/fuzz-trace.diff; \
	    exit 1; }
	@echo "fuzz: Wine and the model agree on every step of $$(ls $(FUZZ_CORPUS) | wc -l) inputs"
