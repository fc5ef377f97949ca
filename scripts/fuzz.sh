#!/usr/bin/env bash
# Runs every Go fuzz target (func FuzzXxx in *_test.go) for $FUZZTIME each.
set -euo pipefail
FUZZTIME=${FUZZTIME:-30s}
found=0
while IFS= read -r file; do
  dir=$(dirname "$file")
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
    found=1
    echo "fuzz: ./$dir $target for $FUZZTIME"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "./$dir"
  done
done < <(git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go')
[ "$found" = 1 ] || echo "fuzz: no fuzz targets found"
