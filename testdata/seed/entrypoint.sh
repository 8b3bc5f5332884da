#!/bin/sh
# The seed entrypoint, as so many images have it: start a helper in the
# background, then exec the app. Run by sh as PID 1, the app becomes PID 1,
# the helper's exit is never collected and it stays <defunct>. Under
#   hookinit --script entrypoint.sh --
# the helper is reaped and the app gets docker stop's SIGTERM.
set -e
here=$(dirname "$0")
: "${SEED_DIR:=/tmp/seed}"
export SEED_DIR
"$here/fifos.sh"
"$here/provision.sh" &
exec python3 "$here/app.py" "$@"
