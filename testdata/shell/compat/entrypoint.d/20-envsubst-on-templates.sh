#!/bin/sh
# Renders templates/*.template into conf.d/, replacing ${VAR} for every
# variable defined in the environment (what nginx does with envsubst).
set -e

ME=$(basename "$0")
template_dir="${TEMPLATE_DIR:-$(dirname "$0")/../templates}"
output_dir="${OUTPUT_DIR:-conf.d}"
suffix=".template"

defined_envs=$(env | cut -d= -f1 | grep -E '^[A-Za-z_][A-Za-z0-9_]*$' | sort)
mkdir -p "$output_dir"
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path="${template#"$template_dir/"}"
    output_path="$output_dir/${relative_path%"$suffix"}"
    echo "$ME: Running envsubst-like sed on $relative_path to $output_path"
    set --
    for var in $defined_envs; do
        val=$(printenv "$var" | sed -e 's/[|&\\]/\\&/g')
        set -- "$@" -e "s|\${$var}|$val|g"
    done
    sed "$@" < "$template" > "$output_path"
done
