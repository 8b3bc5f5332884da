#!/bin/sh
# Lives as long as the app; stopped with the rest when the app has exited.
while :; do
	echo "background 10-heartbeat.sh: tick"
	sleep 1
done
