#!/bin/sh
echo "must not run"
