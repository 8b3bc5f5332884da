#!/usr/bin/env bash
# Benchmarks hookinit against tini, dumb-init and catatonit and writes
# BENCHMARKS.md at the top of the repository.
#
#   scripts/bench.sh            full run (about 5 minutes on 2 cores)
#   scripts/bench.sh --quick    smoke run (seconds; the numbers mean nothing)
#
# Any other argument goes to the harness (scripts/bench/harness), e.g.
#   --only start,relay          run some benchmarks only (start relay reap idle size hooks stop)
#   --out FILE                  write the report elsewhere
#   --start-runs N --relay-runs N --reap-orphans N --reap-reps N --idle-secs N
#   --hooks-runs N --stop-runs N --stopleft-runs N   repetition counts
#   --hookinit PATH             measure this hookinit binary instead of building one
#   --variant NAME=PATH         also measure another build (e.g. an experiment) as hookinit[NAME]
#
# Options of this script itself:
#   --rev REV                   build hookinit from the committed revision REV (git archive)
#                               instead of the working tree, which others may be editing
#
# Needs root (PID namespaces via unshare, /proc/PID/smaps_rollup), gcc with a
# static libc, go, and the Debian packages tini, dumb-init and catatonit,
# which it installs with apt-get when they are missing. It is a measurement,
# not a test: it fails only when it cannot measure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

rev=
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--rev) rev=${2:?--rev needs a revision}; shift 2 ;;
	--rev=*) rev=${1#--rev=}; shift ;;
	*) args+=("$1"); shift ;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (unshare --pid and /proc/PID/smaps_rollup need it)" >&2
	exit 1
fi

missing=()
for tool in tini:tini tini-static:tini dumb-init:dumb-init catatonit:catatonit \
	gcc:gcc unshare:util-linux dash:dash bash:bash; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
	# sort -u: tini provides two binaries
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "bench: installing ${missing[*]} (apt-get; waits for the dpkg lock)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get -o DPkg::Lock::Timeout=600 update >&2 &&
			apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >&2; }
fi
command -v go >/dev/null || { echo "bench: go is needed" >&2; exit 1; }

work=$(mktemp -d /tmp/hookinit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# benchapp: the app under every init; static so that its own start is cheap
if ! gcc -O2 -static -pthread -o "$work/benchapp" scripts/bench/app/benchapp.c 2>"$work/gcc.log"; then
	echo "bench: static link failed, linking benchapp dynamically" >&2
	gcc -O2 -pthread -o "$work/benchapp" scripts/bench/app/benchapp.c
fi
go build -o "$work/harness" ./scripts/bench/harness

# hookinit: the static stripped binary, as shipped
hookinit=
src=$root
source="working tree $(git describe --always --dirty 2>/dev/null || echo '?')"
if [ -n "$rev" ]; then
	src=$work/src
	mkdir -p "$src"
	git archive "$rev" | tar -x -C "$src"
	source="commit $(git rev-parse --short "$rev")"
fi
# the project's release build when it has one, else a plain static stripped build
if [ -f "$src/scripts/build.sh" ]; then
	build=(sh scripts/build.sh "$work/hookinit")
	# its go build line, continuation lines joined
	build_desc="scripts/build.sh, i.e. $(sed -n '/go build/,/[^\\]$/p' "$src/scripts/build.sh" | tr -d '\\\n' | tr -s ' \t' ' ' | sed 's/^ *//')"
else
	build=(env CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/hookinit" ./cmd/hookinit)
	build_desc="CGO_ENABLED=0 go build -trimpath -ldflags='-s -w'"
fi
if [ -f "$src/cmd/hookinit/main.go" ]; then
	if (cd "$src" && "${build[@]}") 2>"$work/build.log"; then
		hookinit=$work/hookinit
	else
		echo "bench: hookinit does not build; measuring the others only:" >&2
		cat "$work/build.log" >&2
	fi
else
	echo "bench: cmd/hookinit/main.go does not exist yet; measuring the others only" >&2
fi

cmd="scripts/bench.sh${rev:+ --rev $rev}${args[*]:+ ${args[*]}}"
"$work/harness" -app "$work/benchapp" -hookinit "$hookinit" -source "$source" -build "$build_desc" -work "$work" \
	-analysis "$root/scripts/bench/analysis.md" \
	-out "$root/BENCHMARKS.md" -command "$cmd" ${args[@]+"${args[@]}"}
