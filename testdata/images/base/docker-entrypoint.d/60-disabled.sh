#!/bin/sh
# Not executable: hookinit skips it with one log line.
echo "hook 60-disabled.sh: must never run"
