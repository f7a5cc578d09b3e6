#!/usr/bin/env bash
# The GPU check for a lent device machine (../shared/device/README.md): it
# builds nothing there. Here: `./build.sh devbin` (binaries, data, the Vulkan
# loader in .gl/ and this script as .devbin/run.sh). Then, with the device
# tool, carry [".gl", ".devbin"] and run `bash .devbin/run.sh` (about 3-4
# minutes once the machine is up; NNLAB_CHECK_QUICK=1 skips the tile sweep;
# NNLAB_BENCH_EPOCHS and NNLAB_CHECK_N shorten the lesson runs for a dry run
# here on lavapipe).
#
# It checks correctness first (every kernel against float64, a CPU-vs-WebGPU
# fit), then prints the figures of issue 4: matmul GFLOP/s (square and the
# lesson's shapes, a tile sweep at n=4096), the cost of a dispatch, and the
# lessons' training speed with dispatches/passes/submits/readbacks a step and
# the pipelines compiled; the products and lessons again with the matmul
# flags read from the parameters (NNLAB_MATMUL_FLAGS=uniform: fewer
# pipelines, branches at run time) to show what the constant flags give.
# Everything is also written to $OUT/devcheck.log.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ]; then
	# The device machine: NVIDIA's Vulkan driver, no loader installed.
	for f in "$root"/.gl/*.deb; do dpkg -x "$f" /; done
	ldconfig
	export VK_DRIVER_FILES=$icd
fi
cd "$root/.devbin"
log=${OUT:-/tmp}/devcheck.log
: >"$log"
fails=0
step() {
	local name=$1 limit=$2
	shift 2
	echo "== $name" | tee -a "$log"
	local t0=$(date +%s.%N)
	timeout "$limit" "$@" 2>&1 | grep -v '^PASS$\|^goos\|^goarch\|^pkg:\|^cpu:' | tee -a "$log"
	local rc=${PIPESTATUS[0]}
	printf -- "-- %s: exit %s, %.1f s\n" "$name" "$rc" "$(echo "$(date +%s.%N) - $t0" | bc)" | tee -a "$log"
	rc_last=$rc
	[ "$rc" = 0 ] || fails=$((fails + 1))
}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv | tee -a "$log"

export NNLAB_REQUIRE_WEBGPU=1 NNLAB_DATA=data
step "conformance: every kernel vs float64 on the GPU" 180 \
	./gpu.test -test.run 'WebGPU' -test.count=1
step "fit on CPU and WebGPU agree; device lost -> CPU" 180 \
	./nn.test -test.run 'Devices|DeviceLost' -test.count=1 -test.v
step "dispatch cost (pass / sync / read)" 120 \
	./gpu.test -test.run '^$' -test.bench 'Dispatch' -test.benchtime 2000x
step "matmul GFLOP/s (default tiles)" 180 \
	./gpu.test -test.run '^$' -test.bench 'MatMulWebGPU' -test.benchtime 20x
step "convolutions of the CIFAR lesson, batch 32, GFLOP/s" 120 \
	./gpu.test -test.run '^$' -test.bench 'ConvWebGPU' -test.benchtime 50x
NNLAB_MATMUL_FLAGS=uniform step "convolutions, geometry and flags read from the parameters" 120 \
	./gpu.test -test.run '^$' -test.bench 'ConvWebGPU' -test.benchtime 50x
NNLAB_MATMUL_FLAGS=uniform step "matmul GFLOP/s, flags read from the parameters (one pipeline a tile, as before)" 180 \
	./gpu.test -test.run '^$' -test.bench 'MatMulWebGPU' -test.benchtime 20x
if [ "${NNLAB_CHECK_QUICK:-}" != 1 ]; then
	for t in 8x8x8 8x8x16 8x16x8 16x8x8 4x8x16 8x4x16 4x4x16 4x4x32; do
		NNLAB_MATMUL_TILE=$t step "matmul n=4096 tile $t" 60 \
			./gpu.test -test.run '^$' -test.bench 'MatMulWebGPU/4096x4096x4096_ta=false_tb=false$' -test.benchtime 20x
	done
fi
export NNLAB_DEVICE=webgpu
step "weather: 200 epochs, batch 32 (target < 1 s)" 180 \
	./lab.test -test.run '^$' -test.bench 'Weather' -test.benchtime 3x
NNLAB_BENCH_N=${NNLAB_CHECK_N:-4000} step "CIFAR dropout model, 4,000 images, batch 32 (target >= 15,700 images/s)" 180 \
	./lab.test -test.run '^$' -test.bench 'CIFAR' -test.benchtime 3x
cifar_rc=$rc_last
NNLAB_MATMUL_FLAGS=uniform step "weather again, matmul flags read from the parameters" 180 \
	./lab.test -test.run '^$' -test.bench 'Weather' -test.benchtime 2x
NNLAB_MATMUL_FLAGS=uniform NNLAB_BENCH_N=${NNLAB_CHECK_N:-4000} step "CIFAR again, matmul flags read from the parameters" 180 \
	./lab.test -test.run '^$' -test.bench 'CIFAR' -test.benchtime 2x
if [ "$cifar_rc" != 0 ]; then
	# If a GPU driver fails on whole-ring submits of 4,096 dispatches,
	# smaller submits still give a figure.
	NNLAB_WEBGPU_PER_SUBMIT=512 NNLAB_BENCH_N=${NNLAB_CHECK_N:-4000} step "CIFAR again, 512 dispatches a submit" 180 \
		./lab.test -test.run '^$' -test.bench 'CIFAR' -test.benchtime 3x
fi
echo "devcheck: $fails step(s) failed; log in $log" | tee -a "$log"
[ "$fails" = 0 ]
