#!/usr/bin/env python3
"""Run a command on a fresh pseudo-terminal, as a user at a terminal would.

    pty_run.py [--expect TEXT] [--send BYTES] [--delay S] [--timeout S] -- CMD [ARG...]

Waits until TEXT appears in the command's terminal output, waits --delay seconds, then types
BYTES (Python escapes allowed, e.g. '\\x03' for Ctrl-C). Copies everything the command wrote
to stdout (the transcript) and exits with the command's exit code (128+n if signal n killed
it; 124 on timeout, after killing it).
"""
import argparse
import os
import pty
import select
import signal
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--expect", default=None)
    p.add_argument("--send", default=None)
    p.add_argument("--delay", type=float, default=0.3)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        p.error("no command")
    send = a.send.encode().decode("unicode_escape").encode("latin-1") if a.send else None

    pid, fd = pty.fork()
    if pid == 0:
        os.environ.setdefault("TERM", "xterm")
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    out = bytearray()
    deadline = time.monotonic() + a.timeout
    sent = send is None
    seen_at = None if a.expect else time.monotonic()
    expect = a.expect.encode() if a.expect else None
    timed_out = False
    while True:
        now = time.monotonic()
        if now > deadline:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        if seen_at is None and expect in out:
            seen_at = now
        if not sent and seen_at is not None and now - seen_at >= a.delay:
            os.write(fd, send)
            sent = True
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the other side closed
                break
            if not data:
                break
            out += data
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.stdout.flush()
    _, status = os.waitpid(pid, 0)
    if timed_out:
        sys.stderr.write("pty_run: timed out after %.0fs\n" % a.timeout)
        sys.exit(124)
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
