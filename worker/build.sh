#!/usr/bin/env bash
# Builds nnlab for Cloudflare Workers (run by wrangler through wrangler.toml):
#   worker/public/  the site and the lessons' data as static assets, with _headers
#   worker/build/   the Go worker (app.wasm) and its JS glue (worker.mjs)
# Builds the site first (./build.sh: dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
./build.sh
rm -rf worker/public worker/build
go run ./cmd/nnlab serve --site dist --export worker/public
go run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o worker/build
version=$(sed -n 's/^ *"version": "\([0-9a-f]*\)".*/\1/p' worker/public/version.json)
GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w -X main.buildVersion=$version" -o worker/build/app.wasm ./worker
echo "worker/build.sh: app.wasm is $(wc -c <worker/build/app.wasm) bytes, $(gzip -9 -c worker/build/app.wasm | wc -c) gzipped" >&2
