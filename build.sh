#!/usr/bin/env bash
# nnlab's build script.
#   ./build.sh          build the browser lab into dist/ (wasm, wasm_exec.js, site, data)
#   ./build.sh serve    build, then serve the lab on http://localhost:8080/ (extra flags go to `nnlab serve`,
#                       e.g. --addr 0.0.0.0 for a classroom, --port 9000)
#   ./build.sh test     all tests: go vet, unit tests, WebGPU conformance, browser end-to-end
#   ./build.sh devbin   test binaries + data in .devbin/ for timing on a lent GPU machine
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/nnlab-xdg}"
mkdir -p "$XDG_RUNTIME_DIR"

build_site() {
	echo "build.sh: building the browser lab into dist/" >&2
	rm -rf dist && mkdir -p dist/data
	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o dist/nnlab.wasm ./wasm
	cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" dist/
	cp -r site/. dist/
	# The lesson data, from NNLAB_DATA, the download cache, ../shared/data or a download.
	go run ./cmd/nnlab data --out dist/data
	# Precompressed copies for the server.
	find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.html' -o -name '*.css' -o -name '*.csv' -o -name '*.bin' \) \
		-exec gzip -9 -k -f {} \;
	echo "build.sh: dist/ is $(du -sh dist | cut -f1); nnlab.wasm.gz is $(du -h dist/nnlab.wasm.gz | cut -f1)" >&2
}

case "${1:-build}" in
build) build_site ;;
serve)
	build_site
	shift
	# Build the site into the binary (without its data: nnlab serve prepares
	# that from the data folder), then serve it: localhost:8080 by default,
	# --addr 0.0.0.0 for a classroom (prints the address and a QR code).
	find server/embedded/dist -mindepth 1 -maxdepth 1 ! -name .placeholder -exec rm -rf {} +
	cp -r dist/. server/embedded/dist/
	rm -rf server/embedded/dist/data
	go run ./cmd/nnlab serve "$@"
	;;
devbin)
	# Test binaries and data for timing the WGSL kernels on a lent GPU machine
	# (see ../shared/device/README.md): carry .gl and .devbin, then run
	#   cd .devbin && ./gpu.test -test.run '^$' -test.bench 'MatMulWebGPU|Dispatch' -test.benchtime 20x
	#   cd .devbin && NNLAB_DEVICE=webgpu NNLAB_DATA=data ./lab.test -test.run '^$' -test.bench . -test.benchtime 3x
	mkdir -p .devbin/data
	go test -c -o .devbin/gpu.test ./gpu
	go test -c -o .devbin/lab.test ./lab
	src="${NNLAB_DATA:-../shared/data}"
	[ -f "$src/weather_prediction_dataset_light.csv" ] || { echo "build.sh: no data in $src (set NNLAB_DATA)" >&2; exit 1; }
	cp -r "$src/." .devbin/data/
	echo "build.sh: .devbin/ has gpu.test, lab.test and data/ ($(du -sh .devbin | cut -f1))" >&2
	;;
test)
	go vet ./...
	GOOS=js GOARCH=wasm go vet ./wasm/... ./gpu/... ./nn/... ./lab/... ./keras/... ./datasets/...
	build_site
	go test -count=1 -timeout 40m ./...
	;;
*)
	echo "usage: ./build.sh [build|serve|test|devbin]" >&2
	exit 2
	;;
esac
