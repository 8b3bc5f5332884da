#!/usr/bin/env bash
# Runs every test: static checks, the Go tests (which run hookinit as a real
# PID 1 in a PID namespace, and drive real terminals), then the end-to-end
# suite on a real Docker engine. Needs root (unshare, dockerd). Installs the
# Debian packages it needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v unshare >/dev/null || need+=(util-linux)
command -v script >/dev/null || need+=(bsdutils)
command -v bash >/dev/null || need+=(bash)
command -v dockerd >/dev/null || need+=(docker.io)
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
	echo "== installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi
go vet ./...

echo "== go test -race ./..."
# -p 1: one package at a time. The binary-level tests run many hookinit
# instances at once; with the shell package's tests beside them on a 2-core
# machine, timing-sensitive cases get starved.
go test -race -count=1 -p 1 -timeout 20m ./...

echo "== end-to-end suite on a real Docker engine"
bash scripts/e2e.sh
