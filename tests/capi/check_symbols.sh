#!/usr/bin/env bash
# check_symbols.sh LIBHOTSTATE_SO HOTSTATE_H
# The functions libhotstate.so exports must be exactly the hs_* functions hotstate.h
# declares: nothing missing (a declared function callers cannot link) and nothing extra
# (internals leaking into the ABI). Prints both differences on failure. NM overrides nm.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 LIBHOTSTATE_SO HOTSTATE_H" >&2
  exit 2
fi
lib=$1
header=$2
nm_tool=${NM:-nm}

work=$(mktemp -d "${TMPDIR:-/tmp}/hotstate-symbols.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Declarations start with HS_API and name the function right before the first '('.
sed -n 's/^[[:space:]]*HS_API[^(]*[^A-Za-z0-9_]\(hs_[A-Za-z0-9_]*\)[[:space:]]*(.*/\1/p' "$header" \
  | LC_ALL=C sort -u > "$work/declared"
if [ ! -s "$work/declared" ]; then
  echo "check_symbols: found no HS_API declarations in $header" >&2
  exit 1
fi

# Defined dynamic symbols: "ADDRESS TYPE NAME[@VERSION]". T/t = text (functions), i = ifunc.
"$nm_tool" -D --defined-only "$lib" > "$work/nm"
awk 'NF >= 3 && ($2 == "T" || $2 == "i" || $2 == "W") { sub(/@.*/, "", $3); print $3 }' "$work/nm" \
  | LC_ALL=C sort -u > "$work/exported"

status=0
missing=$(LC_ALL=C comm -23 "$work/declared" "$work/exported")
extra=$(LC_ALL=C comm -13 "$work/declared" "$work/exported")
if [ -n "$missing" ]; then
  echo "declared in $(basename "$header") but not exported by $(basename "$lib"):"
  echo "$missing" | sed 's/^/  /'
  status=1
fi
if [ -n "$extra" ]; then
  echo "exported by $(basename "$lib") but not declared in $(basename "$header"):"
  echo "$extra" | sed 's/^/  /'
  status=1
fi

# Other exported (non-function) symbols are not part of the comparison, but say so.
others=$(awk 'NF >= 3 && $2 != "T" && $2 != "i" && $2 != "W" && $2 != "A" { print $2, $3 }' "$work/nm")
if [ -n "$others" ]; then
  echo "note: other defined dynamic symbols (not functions):"
  echo "$others" | sed 's/^/  /'
fi

if [ $status -eq 0 ]; then
  echo "check_symbols: $(wc -l < "$work/declared") hs_* functions declared, the same exported"
fi
exit $status
