#!/usr/bin/env bash
# Runs every Conclave test. This is the one command CI and developers use, on
# a fresh Debian machine (as root, or as a developer with the tools present).
#
#   scripts/test.sh
#
# Environment: FUZZTIME (default 50000x) sets the length of each fuzz smoke
# run, as a count of executions or a duration.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() {
	printf '\n==== %s ====\n' "$*"
}

# apt_install installs Debian packages, as root directly or through sudo.
apt_install() {
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "need root (or sudo) to install: $*" >&2
			exit 1
		fi
		sudo=(sudo)
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# ensure_go makes sure a Go toolchain is on PATH. go.mod names the version;
# with GOTOOLCHAIN=auto (the default) an older go fetches the right one.
ensure_go() {
	if command -v go >/dev/null 2>&1; then
		return
	fi
	if [ -x /usr/local/go/bin/go ]; then
		export PATH="/usr/local/go/bin:$PATH"
		return
	fi
	apt_install golang-go ca-certificates git
}

# ensure_chromium installs Debian's Chromium for the browser end-to-end
# tests (test/e2e drives it through playwright-core). Never a browser
# download: Playwright's own browsers cannot be fetched here.
ensure_chromium() {
	if [ -x /usr/bin/chromium ] || [ -n "${CONCLAVE_CHROMIUM:-}" ]; then
		return
	fi
	apt_install chromium
}

# ensure_web_deps installs node/npm and the JavaScript dependencies of the
# SDK and app (esbuild, TypeScript, playwright-core) from the lock file.
ensure_web_deps() {
	if ! command -v npm >/dev/null 2>&1; then
		apt_install nodejs npm
	fi
	if [ ! -f web/package-lock.json ]; then
		echo "web/package-lock.json is missing: run (cd web && npm install) and commit it" >&2
		exit 1
	fi
	(cd web && npm ci --no-audit --no-fund)
}

section "toolchain"
ensure_go
go version
have_web=0
if [ -f web/package.json ]; then
	have_web=1
	ensure_chromium
	ensure_web_deps
	node --version
fi

section "gofmt"
unformatted="$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -print0 | xargs -0 -r gofmt -l)"
if [ -n "$unformatted" ]; then
	echo "these files need gofmt -w:" >&2
	echo "$unformatted" >&2
	exit 1
fi
echo "ok"

if [ "$have_web" = 1 ]; then
	# web/dist is committed (the Go binary embeds it, so `go build` needs no
	# node): it must be exactly what the sources build to. The build runs
	# the TypeScript type check first.
	section "web build is up to date"
	(cd web && npm run build)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# Compared with the last commit: changed, deleted and new files.
		if [ -n "$(git status --porcelain --untracked-files=all -- web/dist)" ]; then
			git status --short --untracked-files=all -- web/dist >&2
			git diff --stat HEAD -- web/dist >&2 || true
			echo "web/dist is out of date with web/sdk and web/app:" >&2
			echo "run (cd web && npm run build) and commit web/dist" >&2
			exit 1
		fi
		echo "ok"
	else
		echo "not a git checkout: built, not compared"
	fi
fi

if [ "$have_web" = 1 ]; then
	# The SDK's own tests under Node: SFrame against RFC 9605's vectors,
	# X-Wing HPKE against Go's, and the E2EE wire format against
	# e2ee/testdata/vectors.json, which the Go package writes.
	section "web sdk tests (node)"
	(cd web && npm test)
fi

section "go vet"
go vet ./...
echo "ok"

section "govulncheck (offline database)"
scripts/vulncheck.sh

section "go test -race"
# Includes the real-browser tests (test/e2e): Chromium and web/node_modules
# are installed above. They run one scenario at a time and wait on
# conditions with limits generous enough for a busy machine.
go test -race -count=1 -timeout 15m ./...

section "fuzz smoke"
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# report "context deadline exceeded" as a failure at the deadline, with no
# failing input, on a loaded machine (golang/go#75804, fixed in Go 1.27).
# 50000 executions take 2-8 s per target on a quiet 2-core machine (the
# REST body decoder is the slowest), and longer, never failing, on a busy one.
fuzztime="${FUZZTIME:-50000x}"
# Every parser of untrusted input. -fuzz accepts one target per run, hence
# the anchored names.
# A third argument caps a target whose every input is costly.
fuzz() {
	local n="$fuzztime"
	if [ -n "${3:-}" ] && [ -z "${FUZZTIME:-}" ]; then n="$3"; fi
	echo "-- $2 in $1 ($n)"
	go test -run '^$' -fuzz "^$2\$" -fuzztime "$n" "$1"
}
fuzz ./protocol/ FuzzDecode
fuzz ./protocol/ FuzzDecodeServer
fuzz ./internal/auth/ FuzzVerify
fuzz ./internal/auth/ FuzzVerifyOwner
fuzz ./internal/auth/ FuzzParsePHC
fuzz ./internal/auth/ FuzzCheckPassword
fuzz ./internal/auth/ FuzzVerifyTOTP
fuzz ./internal/auth/ FuzzHashRecoveryCode
fuzz ./internal/auth/ FuzzParseSessionID
fuzz ./internal/auth/ FuzzParseOpaqueToken
fuzz ./internal/auth/ FuzzPasskeyFinishLogin
fuzz ./internal/auth/ FuzzPasskeyFinishRegistration
fuzz ./internal/accounts/ FuzzSigninBody
# Each input begins with a passkey ceremony whose options ask the
# password again (an argon2id hash, 64 MiB): 10000 inputs, not 50000.
fuzz ./internal/accounts/ FuzzPasskeyFinishBody 10000x
fuzz ./internal/accounts/ FuzzTokenAndMeetingBodies
fuzz ./internal/accounts/ FuzzSignupBody
fuzz ./internal/accounts/ FuzzAdminBody
fuzz ./internal/accounts/ FuzzRedeemInvite
fuzz ./internal/policy/ FuzzParse
fuzz ./internal/httpapi/ FuzzDecodeJSON
fuzz ./internal/httpapi/ FuzzBanAndRevocationBodies
fuzz ./internal/rtc/ FuzzValidateOffer
fuzz ./internal/rtc/ FuzzGCMSeal
fuzz ./internal/signal/ FuzzOfferSends
fuzz ./internal/audit/ FuzzParseLine
fuzz ./internal/sfu/ FuzzWritePacket
fuzz ./internal/sfu/ FuzzKeyframeStart
fuzz ./internal/sfu/ FuzzSubscriberRTCP
fuzz ./webhook/ FuzzParseHeaders
fuzz ./internal/guard/ FuzzClientIP
fuzz ./internal/loadtest/ FuzzKeyframeDetector
fuzz ./e2ee/ FuzzOpen
fuzz ./e2ee/ FuzzKeyPackage
fuzz ./e2ee/ FuzzAck
fuzz ./e2ee/ FuzzDataMessage
fuzz ./e2ee/ FuzzAnnouncement
fuzz ./e2ee/ FuzzDecryptFrame
fuzz ./e2ee/ FuzzReceive

section "all tests passed"
