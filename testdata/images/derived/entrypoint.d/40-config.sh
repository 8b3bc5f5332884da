#!/bin/sh
echo "hook 40-config.sh: from derived (overrides base), APP_GREETING=$APP_GREETING"
