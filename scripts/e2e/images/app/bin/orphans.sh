#!/bin/sh
# Creates $1 orphans: each ( : & ) forks a subshell that forks a child and exits at once,
# so the child (running or already a zombie) is reparented to PID 1. Then idles.
n=${1:-10000}
i=0
while [ "$i" -lt "$n" ]; do
	( : & )
	i=$((i + 1))
done
echo "orphans: created $n"
exec sleep 600
