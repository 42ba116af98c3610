# lib.sh - helpers for the integration tests (sourced).
# Exit codes: 0 pass, 77 skip, 99 hard error (Automake's test-driver conventions).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
GOCORE="$top_builddir/coredump/gocore"
GOSCOPE_CACHE="${GOSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goscope}"
export GOSCOPE_CACHE

skip() { echo "SKIP: $*"; exit 77; }
hard_error() { echo "ERROR: $*" >&2; exit 99; }
fail() { echo "FAIL: $*" >&2; exit 1; }

need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

# The machine's own Go.
find_go() {
	if command -v go >/dev/null 2>&1; then command -v go
	elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go
	else return 1
	fi
}

make_tmpdir() {
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/goscope-test.XXXXXX") || hard_error "mktemp"
	trap 'rm -rf "$TMP"' EXIT
}
