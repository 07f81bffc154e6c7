# A selector in the shape of mio's, on the public API (tests/scenario): how
# mio drives the port, run with assertions on the model and under Wine
# (included by the Makefile).

.PHONY: check-scenario check-scenario-wine
TEST_NATIVE += check-scenario
TEST_WINE   += check-scenario-wine

SCENARIO     := $(BUILD)/selector
WIN_SCENARIO := $(WIN_BUILD)/selector.exe
$(SCENARIO): tests/scenario/selector.c $(STATIC)
	$(CC) $(WARN) $(CFLAGS) $(SANITIZE) $(CPPFLAGS) -Itests -pthread -o $@ tests/scenario/selector.c \
	  $(STATIC)

$(WIN_SCENARIO): tests/scenario/selector.c $(MODULE_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ tests/scenario/selector.c $(MODULE_SRC)

check-scenario: $(SCENARIO) ## the mio-shaped selector on the model
	$(SCENARIO)

check-scenario-wine: $(WIN_SCENARIO) ## the mio-shaped selector under Wine
	$(WINE_ENV) timeout 300 wine $(WIN_SCENARIO); status=$$?; $(WINE_ENV) wineserver -k 2>/dev/null; \
	  [ $$status = 0 ]
