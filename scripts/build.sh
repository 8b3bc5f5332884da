#!/usr/bin/env sh
# The release build of hookinit, in one place: static (no cgo), stripped,
# reproducible paths, and without urfave/cli's man-page generator, whose
# package init (blackfriday's regexps) would cost every start ~0.4 ms.
# Usage: scripts/build.sh [OUTPUT]   (default: dist/hookinit)
set -eu
cd "$(dirname "$0")/.."
out=${1:-dist/hookinit}
version=${HOOKINIT_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs \
	-ldflags "-s -w -X main.version=$version" -o "$out" ./cmd/hookinit
