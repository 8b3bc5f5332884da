#!/bin/sh
# An app that handles SIGTERM: prints a shutdown line and exits with $STOP_CODE (default 0).
trap 'echo "term-app: caught TERM, shutting down"; exit "${STOP_CODE:-0}"' TERM
echo "term-app: ready"
while :; do
	sleep 1 &
	wait $!
done
