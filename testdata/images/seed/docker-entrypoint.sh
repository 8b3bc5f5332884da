#!/bin/sh
# A typical entrypoint: start a helper in the background, then exec the app.
set -e
mkfifo /tmp/seed.msg /tmp/seed.ack
python3 /seed/provision.py &
exec python3 /seed/app.py "$@"
