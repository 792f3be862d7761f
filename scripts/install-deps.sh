#!/bin/sh
# Installs, from Debian's packages, everything meshsim needs to build, run and
# test.  Uses sudo when not run as root.  Safe to run again: apt-get skips what
# is already installed.  clang and its runtime build the HTTP parser's
# libFuzzer target (tests/proxy/fuzz_http1.c); xmllint (libxml2-utils)
# validates `meshsim test --junit` output against tests/tools/junit.xsd and
# the charts and report.html, which headless chromium opens (tests/reports/).
set -e
PKGS="gcc cmake make pkg-config libgsl-dev libyaml-dev libsqlite3-dev \
libpcre2-dev libxxhash-dev libcmocka-dev gnuplot-nox sqlite3 \
clang libclang-rt-dev libxml2-utils chromium"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq $missing >/dev/null
