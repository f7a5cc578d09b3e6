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
	# Everything a lent GPU machine needs, built here (it has no registries):
	# stripped test binaries, the lesson data, the Vulkan loader (.gl/) and
	# gpu/devcheck.sh as .devbin/run.sh. Then, with the device tool:
	#   carry [".gl", ".devbin"], command "bash .devbin/run.sh"
	rm -rf .devbin && mkdir -p .devbin/data .gl
	for p in gpu nn lab; do
		go test -c -trimpath -ldflags="-s -w" -o ".devbin/$p.test" "./$p"
	done
	cp gpu/devcheck.sh .devbin/run.sh
	src="${NNLAB_DATA:-../shared/data}"
	[ -f "$src/weather_prediction_dataset_light.csv" ] || { echo "build.sh: no data in $src (set NNLAB_DATA)" >&2; exit 1; }
	cp -r "$src/." .devbin/data/
	if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
		grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo /.gl/ >>.git/info/exclude
		o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/nnlab-apt'
		mkdir -p /tmp/nnlab-apt/partial
		apt-get $o update >/dev/null
		(cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
	fi
	echo "build.sh: .devbin/ ($(du -sh .devbin | cut -f1)) and .gl/ ($(du -sh .gl | cut -f1)) are ready:" \
		"carry [\".gl\", \".devbin\"] and run \"bash .devbin/run.sh\"" >&2
	;;
test)
	# Each phase says how long it took (go test adds each package's time):
	# the figures to compare when the suite gets slower.
	t0=$SECONDS
	phase() { echo "build.sh: $1 took $((SECONDS - t0)) s" >&2; t0=$SECONDS; }
	go vet ./...
	CGO_ENABLED=0 go vet ./... # the build without the native WebGPU device
	GOOS=js GOARCH=wasm go vet ./wasm/... ./gpu/... ./nn/... ./lab/... ./keras/... ./datasets/...
	phase "go vet"
	build_site
	phase "building dist/"
	# No test waits on a clock (they wait on progress, with generous hang
	# guards), so packages run side by side (-p = the number of cores) on a
	# busy machine too; -timeout is the last guard against a hang.
	go test -count=1 -timeout 40m ./...
	phase "go test"
	;;
*)
	echo "usage: ./build.sh [build|serve|test|devbin]" >&2
	exit 2
	;;
esac
