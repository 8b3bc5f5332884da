#!/bin/sh
# The base image's app: prints what the hooks gave it, idles, and shuts down cleanly on TERM.
trap 'echo "app: caught TERM, shutting down"; exit 0' TERM
echo "app: started, APP_GREETING=${APP_GREETING:-<unset>}"
while :; do
	sleep 1 &
	wait $!
done
