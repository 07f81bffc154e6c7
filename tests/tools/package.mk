# The exported ABI, README's example against an installed copy, and the
# release tarball (included by the Makefile).

.PHONY: check-abi check-install dist check-dist
TEST_TOOLS += check-abi check-install check-dist

# The shared library exports exactly tests/lists/exported_symbols.txt, under the
# soname of its major version; the static library defines no global symbol
# outside the project's prefixes.
check-abi: $(STATIC) $(SHARED) ## the exported symbols against tests/lists/exported_symbols.txt
	sh tests/tools/check_abi.sh $(SHARED) $(STATIC) $(SONAME) tests/lists/exported_symbols.txt

# Through pkg-config, shared and static, and run.
check-install: ## README's example built against a copy installed into a DESTDIR
	rm -rf $(BUILD)/destdir
	$(MAKE) install DESTDIR=$(abspath $(BUILD)/destdir) PREFIX=/usr/local
	sh tests/tools/check_install.sh $(abspath $(BUILD)/destdir) /usr/local README.md \
	  $(BUILD)/install-check

# Every file git tracks, under mio_iocp-VERSION/.
DIST := mio_iocp-$(VERSION)
dist: ## the release tarball, build/mio_iocp-VERSION.tar.gz
	rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist/$(DIST)
	git ls-files -z | xargs -0 cp --parents -t $(BUILD)/dist/$(DIST)
	tar -C $(BUILD)/dist -czf $(BUILD)/$(DIST).tar.gz $(DIST)
	@echo "dist: $(BUILD)/$(DIST).tar.gz"

check-dist: dist ## the tarball, unpacked elsewhere, builds and passes make check
	rm -rf $(BUILD)/dist-check && mkdir -p $(BUILD)/dist-check
	tar -C $(BUILD)/dist-check -xzf $(BUILD)/$(DIST).tar.gz
	$(MAKE) -C $(BUILD)/dist-check/$(DIST) check
