#!/usr/bin/env bash
# Runs every Go fuzz target (func FuzzXxx(f *testing.F) in *_test.go) for
# $FUZZTIME each. `make test` runs it with a count (FUZZTIME=3000x), `make
# fuzz` for a duration (FUZZTIME=30s).
#
# A duration runs into a race in Go's fuzzing coordinator: when -fuzztime
# ends while a worker is busy, the target can fail with a bare "context
# deadline exceeded" and no failing input (golang/go internal/fuzz compares
# the parent and child contexts' errors without a lock). A count has no
# deadline, so `make test` uses one. For durations, a run that fails with
# only that message and writes no new file under testdata/fuzz is run once
# more; any other failure, or a second one, fails the script.
#
# Test files are found on disk, not through git, so targets in files that
# are not committed yet are fuzzed too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
found=0

count_files() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }

# run_target DIR TARGET fuzzes one target, retrying once after the
# coordinator's deadline race (see above).
run_target() {
	local dir=$1 target=$2 out corpus before after attempt
	corpus="$dir/testdata/fuzz/$target"
	for attempt in 1 2; do
		before=$(count_files "$corpus")
		out=$(mktemp)
		if "$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$dir" 2>&1 | tee "$out"; then
			rm -f "$out"
			return 0
		fi
		after=$(count_files "$corpus")
		if [ "$attempt" = 1 ] && [ "$before" = "$after" ] &&
			grep -q '^    context deadline exceeded$' "$out" &&
			! grep -qE 'Failing input written|panic:|--- FAIL: .*/' "$out"; then
			echo "fuzz: $target hit Go's fuzztime deadline race with no failing input; running it again"
			rm -f "$out"
			continue
		fi
		rm -f "$out"
		return 1
	done
}
while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\).*/\1/p' "$file"); do
		found=$((found + 1))
		echo "fuzz: $dir $target for $FUZZTIME"
		run_target "$dir" "$target"
	done
done < <(find . \( -name .git -o -name node_modules -o -name testdata -o -name vendor \) -prune -o -name '*_test.go' -type f -print | sort)
if [ "$found" = 0 ]; then
	echo "fuzz: no fuzz targets found"
else
	echo "fuzz: $found target(s) ran for $FUZZTIME each"
fi
