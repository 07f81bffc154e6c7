# The port beside an eventfd queue, a condvar queue, a lock-free ring and a
# pipe (tests/bench): ratios per repetition, callgrind's instructions per
# packet, a chart; results in build/bench (included by the Makefile).
#
# The bench is built with the library's sources and -flto, as a program that
# links them with LTO is: the module's calls are inlined into the caller.  The
# same program without LTO gives the module's cost through plain calls too.

.PHONY: bench check-overhead
TEST_NATIVE += check-overhead

BENCH_OUT   := $(BUILD)/bench
BENCH       := $(BENCH_OUT)/bench
BENCH_NOLTO := $(BENCH_OUT)/bench-nolto
BENCH_WIN   := $(BENCH_OUT)/bench_win32.exe
BENCH_REPS  ?= 5
$(BENCH): tests/bench/bench.c $(MODULE_SRC) $(MODEL_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -g -flto $(CPPFLAGS) -pthread -o $@ tests/bench/bench.c \
	  $(MODULE_SRC) $(MODEL_SRC)

$(BENCH_NOLTO): tests/bench/bench.c $(MODULE_SRC) $(MODEL_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -g $(CPPFLAGS) -pthread -o $@ tests/bench/bench.c $(MODULE_SRC) $(MODEL_SRC)

$(BENCH_WIN): tests/bench/bench_win32.c $(MODULE_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ tests/bench/bench_win32.c $(MODULE_SRC)

# The module's own cost, in instructions per packet over direct model calls
# (callgrind, deterministic): at most 3%.
check-overhead: $(BENCH) ## the module's cost over direct model calls, at most 3% (callgrind)
	$(PYTHON) tests/bench/summary.py --bench $(BENCH) --out $(BENCH_OUT) --gate 3

bench: $(BENCH) $(BENCH_NOLTO) ## the port beside other queues: ratios, callgrind, chart
	@sh tests/tools/deps.sh bench
	if command -v $(WIN_CC) >/dev/null; then $(MAKE) $(BENCH_WIN); fi
	$(BENCH) --reps $(BENCH_REPS) --json $(BENCH_OUT)/bench.json
	w=; [ -f $(BENCH_WIN) ] && w="--wine $(BENCH_WIN)"; \
	$(WINE_ENV) $(PYTHON) tests/bench/summary.py --bench $(BENCH) --bench-nolto $(BENCH_NOLTO) \
	  --out $(BENCH_OUT) $$w
