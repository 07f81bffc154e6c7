# The real Win32 API: the suite cross-built with mingw-w64 and run under Wine,
# and the Wine programs run again from a deep folder (included by the Makefile).

.PHONY: win check-wine check-deep-path
TEST_WINE += check-wine check-deep-path

WIN_CC     := x86_64-w64-mingw32-gcc
WIN_BUILD  ?= $(BUILD)/win
WIN_CUNIT  := $(BUILD)/win/cunit
TEST_BESIDE += $(WIN_CUNIT)/libcunit.a
WIN_CFLAGS := $(WARN) -O2 -g -D_WIN32_WINNT=0x0A00 -Isrc -Itests -I$(WIN_CUNIT)/include $(FEATURES)
WIN_SRC    := $(MODULE_SRC) $(SUITE_SRC) tests/suite/substrate_win32.c
WIN_OBJ    := $(WIN_SRC:%.c=$(WIN_BUILD)/obj/%.o)
WIN_RUNNER := $(WIN_BUILD)/runner.exe
# Wine's own messages are off but for the errors that say why a program did not
# start (its command line, a missing DLL, the process).
WINE_ENV   := WINEPREFIX=$(abspath $(BUILD)/wineprefix) WINEDLLOVERRIDES=mscoree,mshtml= \
              WINEDEBUG=-all,err+environ,err+module,err+process
# Runs the Windows runner under Wine, then stops the wineserver: $(call run_wine,ARGS)
run_wine = $(WINE_ENV) timeout 600 wine $(WIN_RUNNER) $(1); status=$$?; \
	$(WINE_ENV) wineserver -k 2>/dev/null; [ $$status = 0 ]

$(WIN_CUNIT)/libcunit.a:
	sh tests/win32/cunit.sh $(BUILD)/win

$(WIN_BUILD)/obj/%.o: %.c $(HEADERS) $(WIN_CUNIT)/libcunit.a
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CFLAGS) -c $< -o $@

$(WIN_RUNNER): $(WIN_OBJ) $(WIN_CUNIT)/libcunit.a
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ $(WIN_OBJ) $(WIN_CUNIT)/libcunit.a -lpthread

win: $(WIN_RUNNER) ## build the suite for Windows (build/win/runner.exe)

check-wine: $(WIN_RUNNER) ## the suite on the real Win32 API under Wine
	@mkdir -p $(WIN_BUILD)/report
	$(call run_wine,--xml $(WIN_BUILD)/report/iocp $(TEST))

# The Wine parts whose inputs grow (the fuzz replay, the upstream
# differential) from a copy of the tree whose path is 200 characters long,
# deeper than a clone in a home directory: no command line may grow with the
# corpus (Windows caps one at 32,767 characters), and paths this long must
# work.  Not longer: Wine, like Windows, cannot start a program in a folder
# whose path is over 258 characters (MAX_PATH), whatever the program does.
DEEP := $(shell p='$(abspath $(BUILD))/deep/'; n=$$((200 - $${#p} - 9)); [ $$n -ge 1 ] || n=1; \
	  printf '%s%s/mio_iocp' "$$p" "$$(printf "%0$${n}d" 0 | tr 0 d)")
check-deep-path: ## the Wine fuzz replay and differential from a 200-character path
	@src=$$(sh tests/tools/find_mio.sh "$(MIO_SRC)" $(MIO_CLONE)) || exit 1; \
	  [ -z "$$src" ] || src=$$(cd "$$src" && pwd); \
	  rm -rf $(BUILD)/deep && mkdir -p $(DEEP) && \
	  tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C $(DEEP) && \
	  echo "check-deep-path: $$(printf %s "$(DEEP)" | wc -c)-character path: $(DEEP)" && \
	  $(MAKE) -C $(DEEP) --no-print-directory check-fuzz-wine diff-upstream MIO_SRC="$$src"
