#!/bin/sh
# A web-server-style entrypoint (modelled on the official nginx one): it
# runs the files of a configuration folder in version order, sourcing
# *.envsh and running *.sh, then hands off to its arguments.
# vim:sw=4:ts=4:et

set -e

here=$(cd "$(dirname "$0")" && pwd)
confd="$here/entrypoint.d"

entrypoint_log() {
    if [ -z "${ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

if [ "$1" = "report" ] || [ "$1" = "report-debug" ]; then
    if /usr/bin/find "$confd/" -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | read v; then
        entrypoint_log "$0: $confd/ is not empty, will attempt to perform configuration"

        entrypoint_log "$0: Looking for shell scripts in $confd/"
        find "$confd/" -follow -type f -print | sort -V | while read -r f; do
            case "$f" in
                *.envsh)
                    if [ -x "$f" ]; then
                        entrypoint_log "$0: Sourcing $f";
                        . "$f"
                    else
                        # warn on shell scripts without exec bit
                        entrypoint_log "$0: Ignoring $f, not executable";
                    fi
                    ;;
                *.sh)
                    if [ -x "$f" ]; then
                        entrypoint_log "$0: Launching $f";
                        "$f"
                    else
                        # warn on shell scripts without exec bit
                        entrypoint_log "$0: Ignoring $f, not executable";
                    fi
                    ;;
                *) entrypoint_log "$0: Ignoring $f";;
            esac
        done

        entrypoint_log "$0: Configuration complete; ready for start up"
    else
        entrypoint_log "$0: No files found in $confd/, skipping configuration"
    fi
fi

PATH="$here/bin:$PATH"
exec "$@"
