#!/usr/bin/env bash
# fault_tests.sh ARDIFF: what ardiff does when things around it fail (issue 20; docs/failures.md
# states the guarantees checked here): a full disk and an unwritable standard output give a
# non-zero exit and one line; SIGINT/SIGTERM/SIGHUP leave no temporary file; SIGKILL mid-write
# leaves the user's file intact; --force replaces only regular files and keeps their mode; new
# files follow the umask; input and model files that are directories, FIFOs, devices or too
# large are refused at once (a FIFO used to hang, /dev/zero to eat memory); bad --seed values
# and model.ini values the later code would refuse are refused with one line naming them.
# Needs an OpenCL device (PoCL in CI) and coreutils' env --default-signal; fails without them.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" "$@"
mnt=""
cleanup() { [ -n "$mnt" ] && umount "$mnt" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failed() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; } # failed RC: non-zero, and not a timeout
no_tmp() { ! compgen -G "$1.tmp.*" >/dev/null; } # no_tmp OUT: no OUT.tmp.* left
# hostile files made the old code read without end: cap memory (KiB) so a regression fails
# instead of exhausting the machine; 20 s is far beyond what a refusal takes. An ASan build
# (tests/sanitizer) reserves terabytes of address space, so there the cap is ASan's RSS limit.
if grep -qa __asan_init "$bin"; then
  capped() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=2000" timeout 20 "$@"; }
else
  capped() { (ulimit -v 2000000; exec timeout 20 "$@"); }
fi
export ARDIFF_CACHE_DIR="$tmp/cache"
fx="${ARDIFF_FIXTURES:-$src/tests/fixtures}/tiny-a"
env --default-signal true || { echo "fault_tests: needs env --default-signal (coreutils >= 8.31)" >&2; exit 1; }

printf 'a man walks his dog\n\nchildren play ball together\n' >"$tmp/in.txt"
for i in $(seq 400); do echo "a man walks his dog $i"; done >"$tmp/in400.txt"
for i in $(seq 3000); do echo "children play ball together $i"; done >"$tmp/in3k.txt"
want=$("$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>/dev/null) # also warms the caches
expect "reference run gives 3 lines" [ "$(printf '%s\n' "$want" | wc -l)" = 3 ]
fast=(--candidates 1 --steps 1 --batch 64 -q) # 400 lines of about 40 bytes: well over 4 KiB

# --- a full disk: non-zero exit, one line, no partial file, the user's file untouched
check_full() { # check_full WHAT DIR ERRTEXT [PREFIX...]: generate into DIR/new and DIR/keep
  local what=$1 dir=$2 errtext=$3; shift 3
  rm -f "$dir"/new*; echo keep >"$dir/keep"
  out=$("$@" "$bin" generate "$fx" -i "$tmp/in400.txt" "${fast[@]}" -o "$dir/new" 2>&1); rc=$?
  expect "$what: non-zero exit (got $rc)" failed $rc
  expect "$what: one line naming the file and the error: $out" says "$out" "$dir/new: $errtext"
  expect "$what: no output file" [ ! -e "$dir/new" ]
  expect "$what: no temporary file" no_tmp "$dir/new"
  out=$("$@" "$bin" generate "$fx" -i "$tmp/in400.txt" "${fast[@]}" -o "$dir/keep" --force 2>&1); rc=$?
  expect "$what, --force: non-zero exit (got $rc)" failed $rc
  expect "$what, --force: the old file kept" [ "$(cat "$dir/keep")" = keep ]
  expect "$what, --force: no temporary file" no_tmp "$dir/keep"
}
xfsz() { trap '' XFSZ; ulimit -f 8; exec "$@"; } # writes past 8 KiB fail with EFBIG
export -f xfsz
mkdir -p "$tmp/fsize"
check_full "file size limit (ulimit -f)" "$tmp/fsize" "File too large" bash -c 'xfsz "$@"' _
mkdir -p "$tmp/tmpfs"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=12k tmpfs "$tmp/tmpfs" 2>/dev/null; then
  mnt="$tmp/tmpfs"
  check_full "full tmpfs" "$tmp/tmpfs" "No space left on device"
  umount "$mnt" && mnt=""
else
  echo "fault_tests: note: not root or no tmpfs mount here; the full-disk case ran with ulimit -f only"
fi

# --- standard output that cannot take the output
out=$("$bin" generate "$fx" -i "$tmp/in.txt" 2>&1 >/dev/full); rc=$?
expect "stdout /dev/full: non-zero exit (got $rc)" failed $rc
expect "stdout /dev/full: one line: $out" says "$out" "cannot write standard output: No space left on device"
out=$("$bin" generate "$fx" -i "$tmp/in.txt" 2>&1 >&-); rc=$?
expect "stdout closed: non-zero exit (got $rc)" failed $rc
expect "stdout closed: one line: $out" says "$out" "cannot write standard output"
out=$("$bin" info "$fx" 2>&1 >/dev/full); rc=$?
expect "info >/dev/full: non-zero exit (got $rc)" failed $rc
expect "info >/dev/full: one line: $out" says "$out" "cannot write standard output"

# --- input that is not a readable file of lines
in_refused() { # in_refused DESCRIPTION PATTERN COMMAND...: fails at once with one line
  local d=$1 pat=$2; shift 2
  out=$("$@" 2>&1 >/dev/null); rc=$?
  expect "$d: non-zero exit, no hang (got $rc)" failed $rc
  expect "$d: one line: $out" says "$out" "$pat"
}
in_refused "-i DIRECTORY" "$tmp: input is a directory, not a regular file" \
  "$bin" generate "$fx" -i "$tmp"
in_refused "-i /dev/zero" "/dev/zero: input is a character device" \
  capped "$bin" generate "$fx" -i /dev/zero
in_refused "stdin /dev/zero" "standard input line 1: contains a NUL byte" \
  capped bash -c '"$@" </dev/zero' _ "$bin" generate "$fx"
printf 'fine\nstill fine\nbad \0 byte\n' >"$tmp/nul.txt"
in_refused "a NUL byte on line 3" "nul.txt line 3: contains a NUL byte" \
  "$bin" generate "$fx" -i "$tmp/nul.txt"
truncate -s $((1024 * 1024 * 1024 + 1)) "$tmp/huge.txt"
in_refused "-i over 1 GiB" "huge.txt: input of 1.0 GiB exceeds the 1 GiB limit" \
  capped "$bin" generate "$fx" -i "$tmp/huge.txt"
rm -f "$tmp/huge.txt"
out=$("$bin" generate "$fx" -i <(cat "$tmp/in.txt") --seed 7 2>/dev/null); rc=$?
expect "-i <(command) (a pipe): exit 0 (got $rc)" [ $rc -eq 0 ]
expect "-i <(command) (a pipe): the outputs of the file" [ "$out" = "$want" ]
mkfifo "$tmp/in.fifo"
(sleep 0.5; cat "$tmp/in.txt" >"$tmp/in.fifo") &
out=$(timeout 60 "$bin" generate "$fx" -i "$tmp/in.fifo" --seed 7 2>/dev/null); rc=$?
wait
expect "-i FIFO waits for its writer: exit 0 (got $rc)" [ $rc -eq 0 ]
expect "-i FIFO: the outputs of the file" [ "$out" = "$want" ]

# --- --force replaces only regular files; modes follow the umask or the replaced file
refuse() { # refuse DESCRIPTION PATH KIND [--force]: generate must refuse PATH in one line
  local d=$1 p=$2 kind=$3; shift 3
  out=$(timeout 60 "$bin" generate "$fx" -i "$tmp/in.txt" -q -o "$p" "$@" 2>&1); rc=$?
  expect "$d: non-zero exit (got $rc)" failed $rc
  expect "$d: one line saying it is $kind: $out" says "$out" "$p is $kind, not a regular file"
  expect "$d: no temporary file" no_tmp "$p"
}
mkfifo "$tmp/out.fifo"
refuse "--force onto a FIFO" "$tmp/out.fifo" "a FIFO" --force
expect "--force onto a FIFO: still a FIFO" [ -p "$tmp/out.fifo" ]
echo keep >"$tmp/target.txt"; ln -s target.txt "$tmp/link.txt"
refuse "--force onto a symlink" "$tmp/link.txt" "a symbolic link" --force
expect "--force onto a symlink: still a symlink" [ -L "$tmp/link.txt" ]
expect "--force onto a symlink: its target kept" [ "$(cat "$tmp/target.txt")" = keep ]
ln -s nowhere.txt "$tmp/dangling.txt"
refuse "-o onto a dangling symlink" "$tmp/dangling.txt" "a symbolic link"
expect "-o onto a dangling symlink: still a symlink" [ -L "$tmp/dangling.txt" ]
mkdir "$tmp/outdir"
refuse "--force onto a directory" "$tmp/outdir" "a directory" --force
if mknod "$tmp/null" c 1 3 2>/dev/null; then
  refuse "--force onto a device node" "$tmp/null" "a character device" --force
  expect "--force onto a device node: still a device" [ -c "$tmp/null" ]
else
  echo "fault_tests: note: mknod not permitted here; the device case is covered by the FIFO one"
fi
for m in 022:644 077:600 002:664; do
  rm -f "$tmp/new.txt"
  (umask "${m%%:*}"; "$bin" generate "$fx" -i "$tmp/in.txt" -q -o "$tmp/new.txt" 2>/dev/null)
  got=$(stat -c %a "$tmp/new.txt" 2>/dev/null)
  expect "umask ${m%%:*}: new output file is ${m##*:} (got $got)" [ "$got" = "${m##*:}" ]
done
for mode in 644 640 604; do
  echo old >"$tmp/old.txt"; chmod $mode "$tmp/old.txt"
  (umask 077; "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 -q -o "$tmp/old.txt" --force 2>/dev/null)
  got=$(stat -c %a "$tmp/old.txt")
  expect "--force keeps mode $mode (got $got)" [ "$got" = $mode ]
  expect "--force writes the outputs" [ "$(cat "$tmp/old.txt")" = "$want" ]
done
if [ "$(id -u)" = 0 ]; then
  echo old >"$tmp/owned.txt"; chown 65534:65534 "$tmp/owned.txt"
  "$bin" generate "$fx" -i "$tmp/in.txt" -q -o "$tmp/owned.txt" --force 2>/dev/null
  expect "--force as root keeps owner and group" [ "$(stat -c %u:%g "$tmp/owned.txt")" = 65534:65534 ]
fi

# --- signals: the temporary file goes; SIGKILL leaves the user's file as it was
wait_tmp() { for _ in $(seq 600); do compgen -G "$1.tmp.*" >/dev/null && return 0; sleep 0.05; done; return 1; }
finish() { # finish PID: its exit status; killed after 60 s if it outlives that
  ( sleep 60; kill -9 "$1" 2>/dev/null ) & local dog=$!
  wait "$1"; local rc=$?
  kill $dog 2>/dev/null; wait $dog 2>/dev/null
  return $rc
}
slow=(--steps 40 --candidates 8 -q)
for sig in INT:2 TERM:15 HUP:1; do
  s=${sig%%:*} n=${sig##*:}
  rm -f "$tmp/sig.txt"*
  env --default-signal "$bin" generate "$fx" -i "$tmp/in3k.txt" "${slow[@]}" -o "$tmp/sig.txt" 2>/dev/null &
  pid=$!
  wait_tmp "$tmp/sig.txt"; seen=$?
  kill -s "$s" $pid
  finish $pid; rc=$?
  expect "SIG$s: the temporary file existed before the signal" [ $seen -eq 0 ]
  expect "SIG$s: the run ends by the signal (status $rc)" [ $rc -eq $((128 + n)) ]
  expect "SIG$s: no temporary file left" no_tmp "$tmp/sig.txt"
  expect "SIG$s: no output file" [ ! -e "$tmp/sig.txt" ]
done
echo "the user's file" >"$tmp/kept.txt"
"$bin" generate "$fx" -i "$tmp/in3k.txt" "${slow[@]}" -o "$tmp/kept.txt" --force 2>/dev/null &
pid=$!
wait_tmp "$tmp/kept.txt"; seen=$?
kill -9 $pid; finish $pid; rc=$?
expect "SIGKILL mid-write: the temporary file existed" [ $seen -eq 0 ]
expect "SIGKILL mid-write: killed (status $rc)" [ $rc -eq 137 ]
expect "SIGKILL mid-write: the user's file is intact" [ "$(cat "$tmp/kept.txt")" = "the user's file" ]
rm -f "$tmp/kept.txt".tmp.* # SIGKILL cannot be caught: its temporary file stays (documented)

# --- a file that appears at the destination while generating is not overwritten
head -60 "$tmp/in400.txt" >"$tmp/in60.txt"
rm -f "$tmp/race.txt"*
"$bin" generate "$fx" -i "$tmp/in60.txt" --steps 10 --candidates 2 -q -o "$tmp/race.txt" 2>"$tmp/race.err" &
pid=$!
wait_tmp "$tmp/race.txt"; seen=$?
echo theirs >"$tmp/race.txt"
finish $pid; rc=$?
expect "appeared meanwhile: the temporary file existed" [ $seen -eq 0 ]
expect "appeared meanwhile: non-zero exit (got $rc)" failed $rc
expect "appeared meanwhile: their file kept" [ "$(cat "$tmp/race.txt")" = theirs ]
kept=$(sed -n 's/.*the output is in //p' "$tmp/race.err")
expect "appeared meanwhile: one line naming where the output is" says "$(cat "$tmp/race.err")" "race.txt was created by someone else while generating"
expect "appeared meanwhile: the output kept there, whole ($kept)" [ "$(cat "$kept" 2>/dev/null | wc -l)" = 60 ]

# --- --seed: digits only
for s in " -1" "-1" "" "+1" "1e3" "0x10" "18446744073709551616" " 5"; do
  out=$("$bin" generate "$fx" --seed "$s" <"$tmp/in.txt" 2>&1 >/dev/null); rc=$?
  expect "--seed '$s': exit 2 (got $rc)" [ $rc -eq 2 ]
  expect "--seed '$s': one line: $out" says "$out" "--seed must be a non-negative integer"
done
out=$("$bin" generate "$fx" --seed 18446744073709551615 -q <"$tmp/in.txt" 2>&1 >/dev/null); rc=$?
expect "--seed 2^64-1 is accepted: $out" [ $rc -eq 0 ]
out=$("$bin" generate "$fx" --steps 8192 <"$tmp/in.txt" 2>&1 >/dev/null); rc=$?
expect "--steps 8192: exit 2 (got $rc)" [ $rc -eq 2 ]
expect "--steps 8192: one line: $out" says "$out" "--steps needs an integer in \[1, 8191\]"

# --- model files that are not regular files, or too large: refused at once, naming the file
mk() { rm -rf "$tmp/m"; cp -r "$fx" "$tmp/m"; rm -f "$tmp/m"/golden.*; }
model_refused() { # model_refused DESCRIPTION TEXT: `info` on $tmp/m fails at once with TEXT
  out=$(capped "$bin" info "$tmp/m" 2>&1); rc=$?
  expect "$1: non-zero exit, no hang (got $rc)" failed $rc
  expect "$1: one line with '$2': $out" says "$out" "$2"
}
mk; rm "$tmp/m/model.ini"; mkfifo "$tmp/m/model.ini"
model_refused "model.ini a FIFO" "m/model.ini: model.ini is a FIFO, not a regular file"
mk; ln -sf /dev/zero "$tmp/m/model.ini"
model_refused "model.ini -> /dev/zero" "m/model.ini: model.ini is a character device"
mk; truncate -s $((1024 * 1024 + 1)) "$tmp/m/model.ini"
model_refused "model.ini over 1 MiB" "m/model.ini: model.ini of 1.0 MiB exceeds the 1 MiB limit"
mk; rm "$tmp/m/vocab.txt"; mkfifo "$tmp/m/vocab.txt"
model_refused "vocab.txt a FIFO" "m/vocab.txt: vocabulary is a FIFO"
mk; ln -sf /dev/zero "$tmp/m/vocab.txt"
model_refused "vocab.txt -> /dev/zero" "m/vocab.txt: vocabulary is a character device"
mk; truncate -s $((65 * 1024 * 1024)) "$tmp/m/vocab.txt"
model_refused "vocab.txt of 65 MiB" "m/vocab.txt: vocabulary of 65 MiB exceeds the 64 MiB limit"
mk; rm "$tmp/m/model.safetensors"; mkfifo "$tmp/m/model.safetensors"
model_refused "model.safetensors a FIFO" "m/model.safetensors: weights file is a FIFO"
mk; mv "$tmp/m/model.safetensors" "$tmp/weights.bin"; ln -s "$tmp/weights.bin" "$tmp/m/model.safetensors"
out=$("$bin" info "$tmp/m" 2>&1); rc=$?
expect "a symlink to a regular weights file still loads: $out" [ $rc -eq 0 ]

# --- model.ini values the later code would refuse: refused at load, naming file and key
mk; sed -i 's/^diffusion_steps = .*/diffusion_steps = 1/' "$tmp/m/model.ini"
model_refused "diffusion_steps = 1" "m/model.ini: \[diffusion\] diffusion_steps = '1' is out of range \[2,"
mk; sed -i 's/^decoder_layers = .*/decoder_layers = 65/' "$tmp/m/model.ini"
model_refused "decoder_layers = 65" "m/model.ini: \[model\] decoder_layers = '65' is out of range \[1, 64\]"
mk; sed -i 's/^end_point_scale = .*/end_point_scale = 0.5/' "$tmp/m/model.ini"
model_refused "end_point_scale = 0.5" "m/model.ini: \[diffusion\] end_point_scale = 0.5: anchor"
mk; sed -i 's/^steps = .*/steps = 9000/' "$tmp/m/model.ini"
model_refused "[generate] steps = 9000" "m/model.ini: \[generate\] steps = '9000' is out of range"

summary fault_tests
