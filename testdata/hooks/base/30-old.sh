#!/bin/sh
# Test hook: records that it ran, for the end-to-end tests.
if [ -n "${HOOKINIT_TEST_LOG-}" ]; then
	echo "pre-start 30-old.sh base" >>"$HOOKINIT_TEST_LOG"
fi
