#!/bin/sh
echo "hook 40-config.sh: from base, APP_GREETING=$APP_GREETING"
