#!/usr/bin/env bash
# install_test.sh BUILD_DIR: `cmake --install` into a temporary prefix, then build and run a
# small program against the installed header, library and ardiff.pc.
set -eu
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in include/ardiff.h bin/ardiff; do
  [ -e "$tmp/prefix/$f" ] || { echo "install_test: $f not installed"; exit 1; }
done
pc=$(find "$tmp/prefix" -name ardiff.pc | head -1)
[ -n "$pc" ] || { echo "install_test: ardiff.pc not installed"; exit 1; }
cat >"$tmp/use.c" <<'C'
#include <ardiff.h>
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
    ardiff_device_desc *d = NULL;
    int n = 0;
    if (ardiff_devices_list(&d, &n) != ARDIFF_OK) {
        printf("error: %s\n", ardiff_last_error());
        return 1;
    }
    printf("%s: %d device(s), first: %s\n", ardiff_version(), n, d[0].name);
    free(d); /* the list is malloc'd (ardiff.h); the sanitizer run reports it otherwise */
    return 0;
}
C
export PKG_CONFIG_PATH=$(dirname "$pc")
${CC:-cc} "$tmp/use.c" $(pkg-config --cflags --libs --static ardiff) -o "$tmp/use"
"$tmp/use"
"$tmp/prefix/bin/ardiff" version
echo "install_test: 1 passed, 0 failed"
