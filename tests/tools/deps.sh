#!/bin/sh
# Installs, on Debian 12 (the system it is tested on), what one make target
# needs and is missing.
# As root it runs apt-get; otherwise it names the exact command and fails,
# and only if something the target needs is missing.
# Usage: deps.sh TARGET   (build, conformance, docs, prove, upstream, bench, test)
#   build        make, make check, make install: a C compiler, ar, CUnit
#   conformance  build, plus Python and the Win32 side: mingw-w64 and Wine
#   docs         the build set, Doxygen, Graphviz and Python (make docs runs the
#                suite on the model and trace-check for the pages that report them)
#   prove        Frama-C, Why3 and the provers Z3 and CVC4; then `why3 config detect`
#   bench        make bench: the build set, valgrind (callgrind), gnuplot, Python
#   upstream     make diff-upstream: the Win32 side, plus Debian's rustc and its
#                x86_64-pc-windows-gnu standard library
#   test         everything make test runs, Chromium (driven by Selenium) and the
#                analysers included
set -eu

target=${1:-test}
missing=""
need() { # need PACKAGE TEST...
  pkg=$1; shift
  "$@" >/dev/null 2>&1 || missing="$missing $pkg"
}
build() {
  need make        command -v make
  need gcc         command -v gcc
  need binutils    command -v ar
  need libc6-dev   test -f /usr/include/stdio.h
  need libcunit1-dev test -f /usr/include/CUnit/CUnit.h
}
win32() {
  need python3     command -v python3
  need gcc-mingw-w64-x86-64 command -v x86_64-w64-mingw32-gcc
  need wine        command -v wine
  need wine64      test -e /usr/lib/wine/wine64
}
prove() {
  need frama-c-base command -v frama-c
  need why3        command -v why3
  need z3          command -v z3
  need cvc4        command -v cvc4
}
upstream() {
  need rustc       test -x /usr/bin/rustc
  need libstd-rust-dev-windows test -d /usr/lib/rustlib/x86_64-pc-windows-gnu
}
docs() {
  need python3     command -v python3
  need doxygen     command -v doxygen
  need graphviz    command -v dot
}
case $target in
  build) build ;;
  conformance) build; win32 ;;
  docs) build; docs ;;
  prove) prove ;;
  upstream) win32; upstream ;;
  bench)
    build
    need python3     command -v python3
    need valgrind    command -v valgrind
    need gnuplot-nox command -v gnuplot
    ;;
  test)
    build; win32; docs; prove; upstream
    need chromium    command -v chromium
    need chromium-driver command -v chromedriver
    need python3-selenium /usr/bin/python3 -c 'import selenium'
    need clang       command -v clang
    need libclang-rt-14-dev sh -c 'ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a'
    need valgrind    command -v valgrind
    need gcovr       command -v gcovr
    need spin        command -v spin
    need pkg-config  command -v pkg-config
    need gnuplot-nox command -v gnuplot
    ;;
  *) echo "deps: unknown target '$target' (build, conformance, docs, prove, upstream, bench, test)" >&2; exit 2 ;;
esac

# Why3 finds the provers once, into ~/.why3.conf; only the proof needs it.
detect() {
  case $target in prove | test) ;; *) return 0 ;; esac
  why3 config list-provers 2>/dev/null | grep -q CVC4 && return 0
  why3 config detect > /dev/null
}

[ -z "$missing" ] && { detect; exit 0; }
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: make $target needs packages that are missing:$missing" >&2
  echo "deps: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "deps: installing for make $target:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd
detect
