#!/bin/sh
# The seed provisioner: sends the app its configuration through the FIFO
# $SEED_DIR/request, waits for the acknowledgement on $SEED_DIR/ack, exits.
echo "config v1" > "$SEED_DIR/request"
read -r ack < "$SEED_DIR/ack"
echo "provision: the app acknowledged ($ack)"
