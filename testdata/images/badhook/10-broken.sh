#!/bin/sh
# A syntax error on line 4: the if is never closed.
echo "hook 10-broken.sh: never runs"
if [ -n "$X" ]; then
	echo "unclosed"
