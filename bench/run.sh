#!/usr/bin/env bash
# Side by side in one run, interleaved, REPEATS rounds (default 5): the two
# lesson benchmarks on nnlab's pure-Go device with each of its product
# kernels (NNLAB_CPU_KERNELS: simd, the default where the CPU has AVX2 and
# FMA; gonum, the previous native kernels; go, the portable loop the browser
# runs) and in PyTorch on the CPU (its default threads; TORCH_THREADS="0 2"
# adds a run with 2). Prints the medians and their ratios to PyTorch's.
#
#   bench/run.sh            # needs Go and python3-torch (apt-get install python3-torch)
#   REPEATS=3 TORCH_THREADS="0 2" bench/run.sh
#
# Debian's PyTorch 1.13 defaults to one thread. On a busy machine its OpenMP
# threads spin against the other processes: 2 threads were then 10x slower
# than 1, so they are not run unless asked for.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
REPEATS=${REPEATS:-5}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/lab.test" ./lab
# The kernels this machine has (gpu.CPUKernelNames): simd needs amd64 with AVX2 and FMA.
kernels="gonum go"
if [ "$(go env GOARCH)" = amd64 ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  kernels="simd $kernels"
fi
echo "kernels: $kernels; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
res="$tmp/results"
for r in $(seq "$REPEATS"); do
  for k in $kernels; do
    (cd lab && NNLAB_DEVICE=cpu NNLAB_CPU_KERNELS=$k "$tmp/lab.test" -test.run '^$' -test.bench 'Weather200Epochs' -test.benchtime 1x) |
      awk -v k="$k" '/^BenchmarkWeather/ {for (i=1;i<=NF;i++) if ($i=="fit-s") print "weather nnlab-" k, $(i-1)}' >>"$res"
    (cd lab && NNLAB_DEVICE=cpu NNLAB_CPU_KERNELS=$k "$tmp/lab.test" -test.run '^$' -test.bench 'CIFARDropout' -test.benchtime 1x) |
      awk -v k="$k" '/^BenchmarkCIFAR/ {for (i=1;i<=NF;i++) if ($i=="images/s") print "cifar nnlab-" k, $(i-1)}' >>"$res"
  done
  for th in ${TORCH_THREADS:-0}; do
    name=torch-default; [ "$th" = 0 ] || name=torch-$th
    "$PY" bench/torch_bench.py weather --threads "$th" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print('weather $name', d['fit_s'])" >>"$res"
    "$PY" bench/torch_bench.py cifar --threads "$th" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print('cifar $name', d['images_per_s'])" >>"$res"
  done
  echo "round $r of $REPEATS done" >&2
done
"$PY" - "$res" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    bench, who, v = line.split()
    runs.setdefault((bench, who), []).append(float(v))
for bench, unit, better in (("weather", "fit s (200 epochs)", "lower"), ("cifar", "images/s", "higher")):
    ref = statistics.median(runs[(bench, "torch-default")])
    print(f"{bench}: median {unit}, {better} is better; ratio to PyTorch (default threads)")
    for (b, who), v in sorted(runs.items()):
        if b != bench:
            continue
        m = statistics.median(v)
        print(f"  {who:16} {m:9.3f}   x{m / ref:5.2f}   runs: {' '.join(f'{x:.3f}' for x in v)}")
PY
