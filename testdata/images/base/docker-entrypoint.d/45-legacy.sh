#!/bin/sh
echo "hook 45-legacy.sh: from base"
