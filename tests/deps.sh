#!/bin/sh
# Installs what building and testing need, on Debian or Ubuntu, if anything is missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu

missing=""
need() { # need PACKAGE TEST...
  pkg=$1; shift
  "$@" >/dev/null 2>&1 || missing="$missing $pkg"
}
need make        command -v make
need gcc         command -v gcc
need binutils    command -v ar
need libc6-dev   test -f /usr/include/stdio.h
need clang       command -v clang
need libclang-rt-14-dev sh -c 'ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' 
need valgrind    command -v valgrind
need python3     command -v python3
need gcovr       command -v gcovr
need spin        command -v spin
need libcunit1-dev test -f /usr/include/CUnit/CUnit.h
need gcc-mingw-w64-x86-64 command -v x86_64-w64-mingw32-gcc
need wine        command -v wine
need wine64      test -e /usr/lib/wine/wine64
need doxygen     command -v doxygen
need graphviz    command -v dot
need chromium    command -v chromium

[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages:$missing" >&2
  echo "deps: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd
