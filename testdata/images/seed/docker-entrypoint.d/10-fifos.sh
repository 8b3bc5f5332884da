#!/bin/sh
# The same story told with hooks instead of the script: make the FIFOs before the app starts.
mkfifo /tmp/seed.msg /tmp/seed.ack
