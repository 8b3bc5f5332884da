"""The seed app: waits for one message on a FIFO, acknowledges it, idles; on SIGTERM it prints
its shutdown line and exits 0. It starts no process of its own."""
import signal
import sys


def stop(signum, frame):
    print("app: caught SIGTERM, shutting down", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
print("app: waiting for provisioning", flush=True)
with open("/tmp/seed.msg") as f:
    msg = f.read().strip()
print("app: received %r" % msg, flush=True)
with open("/tmp/seed.ack", "w") as f:
    f.write("ok\n")
while True:
    signal.pause()
