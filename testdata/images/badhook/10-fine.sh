#!/bin/sh
# The same hook, well-formed.
echo "hook 10-fine.sh: runs"
if [ -n "$X" ]; then
	echo "closed"
fi
