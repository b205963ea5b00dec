#!/usr/bin/env bash
# Builds go-keepalive offline from Debian's Go packages (golang-go, golang-etcd-server-dev), in GOPATH
# mode as shared/peers/build-gobench.sh does.   Benchmarks/go-keepalive/build.sh [OUTPUT]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-/tmp/go-keepalive-bin/go-keepalive}"
WORK="$(mktemp -d /tmp/go-keepalive-gopath.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/src/gokeepalive" "$(dirname "$OUT")"
cp "$HERE/main.go" "$WORK/src/gokeepalive/main.go"
cd "$WORK/src/gokeepalive"
env -u GOFLAGS -u GOROOT GO111MODULE=off GOPATH="$WORK:/usr/share/gocode" GOPROXY=off \
  GOCACHE="${GOCACHE:-/tmp/gobench-gocache}" CGO_ENABLED=0 go build -o "$OUT" .
echo "built $OUT" >&2
