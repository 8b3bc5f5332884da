#!/bin/sh
# The demo entrypoint, written the way many images' docker-entrypoint.sh
# are: start a provisioner in the background, then exec the app. With sh as
# PID 1 the app would become PID 1 and the provisioner, once done, would
# stay <defunct> forever. Run it under hookinit:
#
#   go run ./cmd/hookinit -v --script testdata/demo/entrypoint.sh
set -e
here=$(dirname "$0")
DEMO_DIR=$(mktemp -d)
export DEMO_DIR
mkfifo "$DEMO_DIR/message" "$DEMO_DIR/ack"
"$here/provision.sh" &
exec "$here/app.sh" "$@"
