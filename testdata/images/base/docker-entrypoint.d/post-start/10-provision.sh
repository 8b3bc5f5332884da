#!/bin/sh
# Runs after the app has started, then exits (and is reaped).
echo "post-start 10-provision.sh: provisioning the running app, APP_GREETING=$APP_GREETING"
