# Sourced (bash) on a lent NVIDIA machine, from the repository root: makes the carried Debian
# packages in .gpu/debs (OpenCL ICD loader, CLBlast, iniparser, cJSON, OpenBLAS; the list is in
# nvidia_opencl_run.sh) usable without installing them, and registers the driver's
# libnvidia-opencl.so.1 with the loader. Sets NVIDIA_OPENCL (the library found, empty if none).
mkdir -p /tmp/gpulib /tmp/icd
for f in .gpu/debs/*.deb; do dpkg -x "$f" /tmp/gpulib; done
NVIDIA_OPENCL=$(ldconfig -p | awk '/libnvidia-opencl\.so\.1/{print $NF; exit}')
[ -z "$NVIDIA_OPENCL" ] && NVIDIA_OPENCL=$(find / -xdev -name 'libnvidia-opencl.so.1*' 2>/dev/null | head -1)
echo "$NVIDIA_OPENCL" > /tmp/icd/nvidia.icd
export OCL_ICD_VENDORS=/tmp/icd OCL_ICD_FILENAMES="$NVIDIA_OPENCL"
export LD_LIBRARY_PATH=/tmp/gpulib/usr/lib/x86_64-linux-gnu:/tmp/gpulib/usr/lib/x86_64-linux-gnu/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export ARDIFF_CACHE_DIR=/tmp/ardiff_cache
