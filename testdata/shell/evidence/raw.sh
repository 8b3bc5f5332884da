#!/bin/bash
# raw.sh: run every case of cases.txt (name|code) as a script file under
# bash and under the plain interpreter (mvsh), each in a fresh directory
# with stdin from /dev/null, and write raw.tsv: name, then exit code and
# output (stdout and stderr, newlines shown as ~) for bash, then for mvsh.
# Usage, from the repository root:
#   go build -o /tmp/mvsh ./testdata/shell/evidence/mvsh
#   testdata/shell/evidence/raw.sh /tmp/mvsh > testdata/shell/evidence/raw.tsv
set -u
mvsh=$1
cases=$(dirname "$0")/cases.txt
while IFS='|' read -r name src; do
	[ -z "$name" ] && continue
	run() {
		local d
		d=$(mktemp -d)
		printf '%s\n' "$src" > "$d/s.sh"
		out=$(cd "$d" && timeout 10 "$@" s.sh 2>&1 < /dev/null)
		code=$?
		rm -rf "$d"
		printf '\t%d\t%s' "$code" "$(printf '%s' "$out" | tr '\n\t' '~ ' | sed 's/tmp\.[A-Za-z0-9]*/tmp.X/g' | cut -c1-200)"
	}
	printf '%s' "$name"
	run bash
	run "$mvsh"
	printf '\n'
done < "$cases"
