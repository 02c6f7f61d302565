#!/bin/bash
# nvidia_opencl_run.sh: the one prepared run on a lent NVIDIA machine (no package registry there).
#
# Prepare here (Debian, repo root):
#   mkdir -p .gpu/debs && (cd .gpu/debs && apt-get download ocl-icd-libopencl1 libclblast1 \
#       libiniparser1 libcjson1 libopenblas0-pthread libgfortran5)
#   awk 'NF && !seen[$0]++' ../shared/data/commongen/valid.src | head -16 > .gpu/inputs.txt
#   cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release && cmake --build build-gpu -j
# Run there (repo root, carrying build-gpu and .gpu): bash bench/nvidia_opencl_run.sh
# It unpacks the packages into /tmp, registers the driver's libnvidia-opencl.so.1 through
# OCL_ICD_VENDORS/OCL_ICD_FILENAMES, then runs the device listing, the kernel, GEMM, parity and
# fp16 tests, the self-test, the bundled model, and both benchmarks; everything goes to $OUT.
R=$PWD
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
. bench/nvidia_opencl_env.sh          # carried packages, the driver's OpenCL library
L=$NVIDIA_OPENCL
export ARDIFF_FIXTURES=$R/tests/fixtures ARDIFF_SOURCE_DIR=$R
B=$R/build-gpu
step() { echo; echo "=== $*"; }
{
nvidia-smi -L; echo "nvidia opencl: $L"; nproc; grep -m1 "model name" /proc/cpuinfo
step devices; $B/ardiff devices --verbose
for t in test_rng test_kernels test_gemm test_parity test_fp16; do
  [ -x $B/tests/$t ] || continue
  step $t; s=$SECONDS; timeout 240 $B/tests/$t --devices gpu 2>&1 | grep -v truncated | tail -15
  echo "rc=${PIPESTATUS[0]} time=$((SECONDS - s)) s"
done
step selftest; $B/ardiff selftest --device gpu
if [ -f studies/models/commongen-small/model.ini ]; then
  step generate bundled model
  head -8 studies/models/commongen-small/examples.txt | $B/ardiff generate studies/models/commongen-small --device gpu --seed 1 | tee $OUT/gpu-generate.txt
  head -8 studies/models/commongen-small/examples.txt | $B/ardiff generate studies/models/commongen-small --device gpu --seed 1 --precision fp16 2>&1 | head -8
fi
step ardiff_bench; timeout 200 $B/bench/ardiff_bench --device gpu --reps 10 --k 10 2>&1 | tee $OUT/gpu-kernels.txt
if [ -x $B/bench/ardiff_bench_generate ] && [ -f bench/run_generate.sh ]; then
  step bench_generate; BUILD=$B PYTHON=python3 timeout 330 sh bench/run_generate.sh $OUT/gpu-generate-bench.txt .gpu/inputs.txt -- --device gpu --budget 100 2>&1 | tail -40
fi
} > "$OUT/gpu.log" 2>&1
tail -c 11500 "$OUT/gpu.log"
