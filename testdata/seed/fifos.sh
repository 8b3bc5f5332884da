#!/bin/sh
# Creates the two FIFOs the app and the provisioner talk through.
set -e
mkdir -p "$SEED_DIR"
[ -p "$SEED_DIR/request" ] || mkfifo "$SEED_DIR/request"
[ -p "$SEED_DIR/ack" ] || mkfifo "$SEED_DIR/ack"
