#!/bin/bash
# run-cli.sh - every program answers --help and --version, and rejects nonsense.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u
"$GOCORE" --help | grep -q '^Usage: gocore' || fail "gocore --help"
"$GOCORE" --version | grep -qE '^gocore \(goscope\) [0-9]' || fail "gocore --version"
if "$GOCORE" frobnicate 2>/dev/null; then fail "gocore accepted an unknown command"; fi
echo "PASS: cli"
