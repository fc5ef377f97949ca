#!/usr/bin/env bash
# Runs every Go fuzz target (func FuzzXxx(f *testing.F) in *_test.go) for
# $FUZZTIME each. `make test` runs it with FUZZTIME=3s, `make fuzz` longer.
#
# Test files are found on disk, not through git, so targets in files that
# are not committed yet are fuzzed too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
found=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\).*/\1/p' "$file"); do
		found=$((found + 1))
		echo "fuzz: $dir $target for $FUZZTIME"
		"$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$dir"
	done
done < <(find . \( -name .git -o -name node_modules -o -name testdata -o -name vendor \) -prune -o -name '*_test.go' -type f -print | sort)
if [ "$found" = 0 ]; then
	echo "fuzz: no fuzz targets found"
else
	echo "fuzz: $found target(s) ran for $FUZZTIME each"
fi
