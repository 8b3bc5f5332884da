#!/usr/bin/env python3
"""The seed app. It starts no process and creates nothing: it waits for one
message on the FIFO $SEED_DIR/request, prints it, acknowledges it on the FIFO
$SEED_DIR/ack, then idles. On SIGTERM it prints its shutdown line and exits 0.
Run by a shell entrypoint that exec'd it, it is PID 1 and never reaps the
provisioner the entrypoint started: that one stays <defunct>."""
import os
import signal
import sys

fifos = os.environ.get("SEED_DIR", "/tmp/seed")


def stop(signum, frame):
    print("app: SIGTERM, shutting down", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
print("app: waiting for provisioning", flush=True)
with open(os.path.join(fifos, "request")) as f:
    msg = f.read().strip()
print("app: received %r" % msg, flush=True)
with open(os.path.join(fifos, "ack"), "w") as f:
    f.write("ok\n")
while True:
    signal.pause()
