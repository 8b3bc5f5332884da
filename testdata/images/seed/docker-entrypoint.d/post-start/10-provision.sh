#!/bin/sh
# ... and provision the app once it runs. The hook exits and is reaped like any other process.
python3 /seed/provision.py
