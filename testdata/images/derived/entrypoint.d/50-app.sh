#!/bin/sh
echo "hook 50-app.sh: added by derived"
