#!/usr/bin/env bash
# Checks Conclave against the Go vulnerability database, offline:
# govulncheck (pinned below, fetched through the Go module proxy) with the
# database snapshot in ../shared/vulndb, or /work/shared/vulndb, or the
# directory CONCLAVE_VULNDB names. It fails when a known vulnerability is
# reachable from Conclave's code (govulncheck's symbol-level scan: a
# vulnerable function is called); vulnerabilities only in modules or
# packages Conclave does not call are listed, not failed on.
#
#   scripts/vulncheck.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

govulncheck=golang.org/x/vuln/cmd/govulncheck@v1.9.0

db=""
for dir in ${CONCLAVE_VULNDB:+"$CONCLAVE_VULNDB"} ../shared/vulndb /work/shared/vulndb; do
	if [ -f "$dir/index/db.json" ]; then
		db="$(cd "$dir" && pwd)"
		break
	fi
done
if [ -z "$db" ]; then
	echo "vulncheck: no offline vulnerability database (index/db.json) in" \
		"${CONCLAVE_VULNDB:+$CONCLAVE_VULNDB, }../shared/vulndb or /work/shared/vulndb" >&2
	exit 1
fi
modified="$(sed -n 's/.*"modified": *"\([^"]*\)".*/\1/p' "$db/index/db.json")"
echo "vulnerability database: $db (as of ${modified:-an unknown date})"

# Exit status: 0 nothing reachable, 3 a reachable vulnerability, anything
# else an error of the tool; each fails this script but 0.
go run "$govulncheck" -db "file://$db" ./...
