#!/bin/sh
# The provisioner: hands the app its configuration, waits for the
# acknowledgement, and exits. Its exit must be collected by someone.
echo "provisioner: sending the configuration"
echo "config v1" >"$DEMO_DIR/message"
read -r ack <"$DEMO_DIR/ack"
echo "provisioner: the app said '$ack', my job is done"
