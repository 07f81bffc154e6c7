#!/bin/sh
# Prints the directory of a mio 1.1.0 source, or nothing: the first of
# MIO_SRC (the Makefile defaults it to the cargo registry's copy; CI, which
# has no network, names its offline copy), an earlier clone, or a fresh
# shallow clone of tag v1.1.0 when the network allows.
# Usage: find_mio.sh "$(MIO_SRC)" CLONE_DIR
has() { [ -n "$1" ] && [ -f "$1/src/sys/windows/iocp.rs" ]; }
given=$1 clone=$2
if has "$given"; then echo "$given"; exit 0; fi
if [ -n "$given" ]; then echo "find_mio: MIO_SRC=$given holds no src/sys/windows/iocp.rs" >&2; exit 1; fi
if has "$clone"; then echo "$clone"; exit 0; fi
if command -v git >/dev/null && timeout 60 git clone -q --depth 1 --branch v1.1.0 \
     https://github.com/tokio-rs/mio "$clone" 2>/dev/null; then echo "$clone"; fi
exit 0
