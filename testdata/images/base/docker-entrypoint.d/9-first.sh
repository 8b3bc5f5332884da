#!/bin/sh
# Numbers compare as numbers: 9-first.sh runs before 10-greet.sh.
echo "hook 9-first.sh: pre-start from base"
