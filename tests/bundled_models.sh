#!/usr/bin/env bash
# bundled_models.sh ARDIFF [SOURCE_DIR]: the trained models committed under models/ (the README's)
# and studies/models/ (the studies') run in ardiff exactly as in the PyTorch reference, and the
# README shows what its main command prints.
#   * every models/*/ and studies/models/*/ directory: `ardiff info` accepts it; `ardiff generate`
#     (3 hand-written sources, K 4, k 3, seed 5, the model's own [generate] schedule and case)
#     writes 3 non-empty outputs; `python3 -m ardiff_ref.crosscheck` regenerates them with the
#     reference and finds every candidate string and MBR choice identical (real fp16 weights,
#     both time inputs, both schedules, sentence case);
#   * the README's main command (the `build/ardiff generate MODEL -i INPUTS` of the line that
#     starts `bash tools/setup.sh &&`, read from README.md, run with the model's defaults)
#     prints exactly the lines of the README block that follows "The main command prints", and
#     each README line `echo "SOURCE" | build/ardiff generate MODEL   # OUTPUT` prints OUTPUT.
# Outputs of ardiff and the reference agree exactly on a CPU device unless two candidates sit
# within rounding distance at a clamp (docs/numerics.md); the README block is PoCL's output on
# x86-64 and may differ in a word on another device.
# Python: $PYTHON (default /usr/bin/python3, with torch and numpy). No OpenCL device or no Python: FAIL.
. "$(dirname "$0")/e2e_preamble.sh" "$@"

# one German caption, one concept set, one e-mail line: every model reads all three
cat >"$tmp/in.txt" <<'EOF'
zwei kinder spielen am strand mit einem roten ball .
dog frisbee catch park
Please send me the updated budget figures before Friday's meeting.
EOF

n=0
for d in "$src"/models/*/ "$src"/studies/models/*/; do
  d=${d%/}
  name=${d#"$src"/}
  [ -f "$d/model.ini" ] || continue
  n=$((n + 1))
  sched=$(sed -n 's/^[[:space:]]*schedule[[:space:]]*=[[:space:]]*\([a-z]*\).*/\1/p' "$d/model.ini" | tail -1)
  [ -n "$sched" ] || sched=ar
  "$bin" info "$d" >"$tmp/info.txt" 2>&1 || { cat "$tmp/info.txt" >&2; fail "$name: ardiff info"; }
  out=$tmp/${name//\//_}.jsonl
  "$bin" generate "$d" -i "$tmp/in.txt" -o "$out" --format jsonl -q --steps 4 --candidates 3 \
      --seed 5 --schedule "$sched" || fail "$name: ardiff generate"
  lines=$("$py" -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(sum(1 for x in r if x["output"].strip()))' "$out")
  [ "$lines" = 3 ] || fail "$name: $lines non-empty outputs of 3"
  "$py" -m ardiff_ref.crosscheck "$d" "$out" --seed 5 --steps 4 --candidates 3 \
      --schedule "$sched" --n 3 --threads 1 >"$tmp/cc.txt" 2>&1 \
      || { cat "$tmp/cc.txt" >&2; fail "$name: ardiff differs from the reference"; }
  echo "ok: $name ($sched): $(tail -1 "$tmp/cc.txt")"
done
# the other choice rule on one model, both ways round from its default ([generate] repeats)
d=$src/models/multi30k
other=avoid; grep -q '^repeats *= *avoid' "$d/model.ini" && other=keep
"$bin" generate "$d" -i "$tmp/in.txt" -o "$tmp/rep.jsonl" --format jsonl -q --steps 4 \
    --candidates 6 --seed 3 --repeats "$other" || fail "models/multi30k --repeats $other"
"$py" -m ardiff_ref.crosscheck "$d" "$tmp/rep.jsonl" --seed 3 --steps 4 --candidates 6 \
    --repeats "$other" --n 3 --threads 1 >"$tmp/cc.txt" 2>&1 \
    || { cat "$tmp/cc.txt" >&2; fail "models/multi30k --repeats $other: ardiff differs from the reference"; }
echo "ok: models/multi30k --repeats $other: $(tail -1 "$tmp/cc.txt")"

[ -f "$src/models/commongen/model.ini" ] && [ -f "$src/models/multi30k/model.ini" ] && [ -f "$src/studies/models/commongen-small/model.ini" ] \
    || fail "models/ or studies/models/ lost its models under $src"
[ "$n" -ge 2 ] || fail "found $n models under $src/models and $src/studies/models"

# the README's main command and the block it shows
awk '/^The main command prints/ {f=1; next} f && /^```$/ {if (in_block) exit; in_block=1; next}
     in_block {print}' "$src/README.md" >"$tmp/readme.txt"
[ -s "$tmp/readme.txt" ] || fail "README.md: no output block after 'The main command prints'"
main=$(sed -n 's/^bash tools\/setup\.sh && build\/ardiff generate \(.*\)$/\1/p' "$src/README.md" | head -1)
set -- $main    # MODEL -i INPUTS (relative to the repository root)
[ $# = 3 ] && [ "$2" = -i ] && [ -f "$src/$1/model.ini" ] && [ -f "$src/$3" ] \
    || fail "README.md: main command 'build/ardiff generate $main' is not 'MODEL -i INPUTS' with both present"
"$bin" generate "$src/$1" -i "$src/$3" -o "$tmp/main.txt" -q || fail "the README's main command"
diff "$tmp/readme.txt" "$tmp/main.txt" >&2 \
    || fail "README.md's main-command block differs from what ardiff prints (diff above: < README, > ardiff)"
echo "ok: README main command ($1, $(wc -l <"$tmp/main.txt") lines as shown)"

# the README's one-line examples: echo "SOURCE" | build/ardiff generate MODEL   # OUTPUT
ex=0
while IFS=$'\t' read -r source model want; do
  ex=$((ex + 1))
  got=$(printf '%s\n' "$source" | "$bin" generate "$src/$model" -q) || fail "README example on $model"
  [ "$got" = "$want" ] || fail "README example on $model: ardiff prints '$got', README shows '$want'"
  echo "ok: README example ($model: $got)"
done < <(sed -n 's/^echo "\([^"]*\)" | build\/ardiff generate \([^ ]*\) *# \(.*\)$/\1\t\2\t\3/p' "$src/README.md")
echo "PASS: bundled_models ($n models, $ex README examples)"
