# No #! line: the shell that runs the entrypoint runs this file itself.
echo "30-no-shebang.sh: LISTEN_PORT=$LISTEN_PORT umask=$(umask)"
printf 'port %s\n' "$LISTEN_PORT" > port.txt
