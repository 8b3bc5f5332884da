#!/bin/sh
echo "hook 10-greet.sh: pre-start from base"
