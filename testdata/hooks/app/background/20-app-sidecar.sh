#!/bin/sh
# hookinit: restart=never
# Test hook: records that it ran, for the end-to-end tests.
if [ -n "${HOOKINIT_TEST_LOG-}" ]; then
	echo "background 20-app-sidecar.sh app" >>"$HOOKINIT_TEST_LOG"
fi
