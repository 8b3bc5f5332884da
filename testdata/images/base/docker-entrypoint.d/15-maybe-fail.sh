#!/bin/sh
# Fails start-up when FAIL_PRESTART is set: the container must exit 23 and the app never start.
if [ -n "${FAIL_PRESTART:-}" ]; then
	echo "hook 15-maybe-fail.sh: failing with 23" >&2
	exit 23
fi
