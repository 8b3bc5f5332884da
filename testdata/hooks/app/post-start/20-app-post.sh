#!/bin/sh
# Test hook: records that it ran, for the end-to-end tests.
if [ -n "${HOOKINIT_TEST_LOG-}" ]; then
	echo "post-start 20-app-post.sh app" >>"$HOOKINIT_TEST_LOG"
fi
