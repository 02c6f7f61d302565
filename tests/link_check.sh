#!/usr/bin/env bash
# link_check.sh ARDIFF_BIN TESTREF_LIB: the shipped program links no test code. No function or
# variable defined by the test library (libardiff_testref, tests/ref) may be defined in the
# ardiff binary; `ardiff selftest` runs the kernel suite from the library (runtime/selftest).
set -u
bin=$1 lib=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/lib"
nm --defined-only "$bin" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/bin"
nl=$(wc -l <"$tmp/lib") nb=$(wc -l <"$tmp/bin")
if [ "$nl" -eq 0 ] || [ "$nb" -eq 0 ]; then
  echo "FAIL: no symbols read (nm on $lib: $nl, on $bin: $nb): the check would pass anything" >&2
  exit 1
fi
both=$(comm -12 "$tmp/lib" "$tmp/bin")
if [ -n "$both" ]; then
  echo "FAIL: $bin defines symbols of the test library $lib:" >&2
  echo "$both" >&2
  exit 1
fi
echo "link_check: $bin defines none of the $nl symbols of $(basename "$lib")"
