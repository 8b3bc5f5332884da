# sourced by db-entrypoint.sh: it sees the entrypoint's variables
echo "seeding $DB_NAME as $DB_USER" >> "$DATADIR/applied.sql"
