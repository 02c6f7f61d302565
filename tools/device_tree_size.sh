#!/usr/bin/env bash
# What a call of the device tool (a lent GPU machine) would send, against its 64 MiB limit:
# the working tree's tracked files and its untracked files that git does not ignore, plus the
# carried paths given as arguments. Run from the repository root before the call:
#
#   bash tools/device_tree_size.sh .gpu/data
#
# Prints the total, the carried paths and the largest folders of the tree; exits 1 when over
# the limit. The models in models/ and studies/models/ are most of the tree (about 6 MiB each).
# When the tree grows over the limit, send a slim tree instead: commit everything first, then
# commit, on a detached HEAD, the tree without the fp16 weights that nothing on the GPU reads
# (gpu_train.sh reads only tools/ and the models' vocab.txt), make the call, and switch back (git
# restores the weights; main is untouched). Checked on a clone: 54.8 MiB -> 8.9 MiB, weights
# identical after the switch.
#
#   git switch --detach && git rm -q models/*/model.safetensors studies/models/*/model.safetensors &&
#     git commit -qm "device call: tree without model weights"
#   bash tools/device_tree_size.sh .gpu/data          # then the device call
#   git switch main
set -u
LIMIT=$((64 * 1024 * 1024))
[ -d .git ] || [ -f .git ] || { echo "device_tree_size: run from the repository root" >&2; exit 2; }
for c in "$@"; do
  [ -e "$c" ] || { echo "device_tree_size: carried path '$c' does not exist" >&2; exit 2; }
done
size_of() {  # bytes of the existing regular files named on stdin (NUL-separated)
  xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'
}
tree=$(git ls-files -z --cached --others --exclude-standard | \
  while IFS= read -r -d '' f; do [ -f "$f" ] && [ ! -L "$f" ] && printf '%s\0' "$f"; done | size_of)
total=$tree
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "working tree (tracked + untracked not ignored): $(mib "$tree")"
for c in "$@"; do
  s=$(find "$c" -type f -print0 | size_of)
  total=$((total + s))
  echo "carry $c: $(mib "$s")"
done
echo "largest folders of the tree:"
git ls-files -z --cached --others --exclude-standard | \
  while IFS= read -r -d '' f; do [ -f "$f" ] && [ ! -L "$f" ] && printf '%s %s\n' "$(stat -c %s -- "$f")" "${f%/*}"; done | \
  awk '{s[$2] += $1} END {for (d in s) printf "%d %s\n", s[d], d}' | sort -rn | head -8 | \
  awk '{printf "  %6.1f MiB  %s\n", $1 / 1048576, $2}'
if [ "$total" -gt "$LIMIT" ]; then
  echo "total $(mib "$total") is over the device tool's 64 MiB: send a slim tree (see the top of $0)"
  exit 1
fi
echo "total $(mib "$total") of 64 MiB ($(mib $((LIMIT - total))) to spare)"
