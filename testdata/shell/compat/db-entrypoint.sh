#!/usr/bin/env bash
# A database-style entrypoint (modelled on the official postgres and mysql
# ones): secrets from *_FILE variables, a private data directory, a
# configuration file from a here-document, a temporary server that
# initialises the data and is stopped by pid, then the hand-off to the
# server as an unprivileged user. Run from a directory of its own; the
# test compares what it leaves there, and what the app is given, with bash.
set -Eeo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PATH=$here/bin:$PATH

# usage: file_env VAR [DEFAULT]
#    ie: file_env 'XYZ_DB_PASSWORD' 'example'
# (will allow for "$XYZ_DB_PASSWORD_FILE" to fill in the value of
#  "$XYZ_DB_PASSWORD" from a file, especially for Docker's secrets feature)
file_env() {
	local var="$1"
	local fileVar="${var}_FILE"
	local def="${2:-}"
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$fileVar"
		exit 1
	fi
	local val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

docker_setup_env() {
	file_env 'DB_PASSWORD'
	file_env 'DB_USER' 'app'
	file_env 'DB_NAME' "$DB_USER"
	: "${DATADIR:=data}"
	export DATADIR
	declare -g DATABASE_ALREADY_EXISTS
	if [ -s "$DATADIR/VERSION" ]; then
		DATABASE_ALREADY_EXISTS='true'
	fi
}

docker_create_db_directories() {
	local user; user="$(id -u)"
	mkdir -p "$DATADIR"
	chmod 00700 "$DATADIR" || :
	find "$DATADIR" \! -user "$user" -exec echo 'would chown' '{}' + || :
}

docker_init_database_dir() {
	echo "16" > "$DATADIR/VERSION"
	cat > "$DATADIR/db.conf" <<-EOF
		# written by $(basename "$0")
		listen_addresses = '*'

		user = '$DB_USER'
		
			database = '$DB_NAME'
	EOF
	if [ -n "$DB_PASSWORD" ]; then
		printf '%s\n' "$DB_PASSWORD" > "$DATADIR/pwfile"
	fi
}

docker_temp_server_start() {
	tempserver &
	TEMP_SERVER_PID=$!
	echo "$TEMP_SERVER_PID" > server.pid
	local i
	for i in {30..0}; do
		if [ -e server.ready ]; then
			break
		fi
		sleep 0.1
	done
	if [ "$i" = 0 ]; then
		echo >&2 'temporary server did not start'
		exit 1
	fi
}

docker_temp_server_stop() {
	kill "$TEMP_SERVER_PID"
	wait "$TEMP_SERVER_PID" || :
	[ ! -e server.ready ] && echo "temporary server stopped"
}

docker_process_init_files() {
	local f
	for f; do
		case "$f" in
			*.sh)   echo "$0: running $f"; . "$f" ;;
			*.sql)  echo "$0: running $f"; cat "$f" >> "$DATADIR/applied.sql" ;;
			*)      echo "$0: ignoring $f" ;;
		esac
	done
}

_main() {
	# if the first argument looks like a flag, assume we want to run the server
	if [ "${1:0:1}" = '-' ]; then
		set -- dbserver "$@"
	fi
	if [ "$1" = 'dbserver' ]; then
		docker_setup_env
		umask 0077
		docker_create_db_directories
		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			docker_init_database_dir
			docker_temp_server_start
			docker_process_init_files "$here"/initdb/*
			docker_temp_server_stop
			echo 'init process complete; ready for start up.'
		else
			echo 'database directory appears to contain a database; skipping initialization'
		fi
		exec gosu nobody report "$@" <<<"from the entrypoint"
	fi
	exec "$@"
}

_main "$@"
