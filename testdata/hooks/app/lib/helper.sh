#!/bin/sh
# Sourced by hooks; lives in a subdirectory, so it is never a hook itself.
helper_loaded=1
