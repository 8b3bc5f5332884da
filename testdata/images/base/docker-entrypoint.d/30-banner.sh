#!/bin/sh
echo "hook 30-banner.sh: from base"
