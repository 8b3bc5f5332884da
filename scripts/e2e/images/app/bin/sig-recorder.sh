#!/bin/sh
# Records every signal it catches on stdout and keeps running; exits 0 on INT.
for s in HUP QUIT USR1 USR2 TERM WINCH; do
	trap "echo \"recorder: got $s\"" "$s"
done
trap 'echo "recorder: got INT, exiting"; exit 0' INT
echo "recorder: ready"
while :; do
	sleep 1 &
	wait $!
done
