#!/bin/sh
# The demo app: it does what real apps do to an init. It waits for its
# configuration, forks helpers it never waits for (orphans that someone must
# reap), leaves a worker running when it exits (someone must stop it
# gracefully), and handles SIGTERM itself.
trap 'echo "app: SIGTERM, shutting down"; exit 0' TERM

echo "app: started as pid $$, waiting for my configuration"
if [ -n "${DEMO_DIR-}" ]; then
	read -r config <"$DEMO_DIR/message"
	echo "app: got '$config'"
	echo ok >"$DEMO_DIR/ack"
	sleep 0.2
	rm -rf "$DEMO_DIR"
fi
for i in 1 2 3; do
	# Double fork: the helper's parent exits at once, so the helper is
	# re-parented to the init, which must reap it when it ends.
	( (sleep "0.$i"; echo "helper $i: done (an orphan: hookinit reaps it)") & )
done
# A worker that outlives the app and needs a moment to clean up.
(
	trap 'sleep 0.2; echo "worker: SIGTERM, flushed my state, bye"; exit 0' TERM
	while :; do sleep 0.1; done
) &
sleep 1
echo "app: exiting with 3, leaving the worker behind (Ctrl-C or docker stop would have worked too)"
exit 3
