#!/usr/bin/env bash
# Installs with apt-get (Debian) whatever the build, the tests and the demo need and is missing:
# libnghttp2-dev (HTTP/2), libssl-dev and openssl (TLS, and test certificates), etcd-server and etcd-client (a real etcd and etcdctl for tests and the demo),
# protobuf-compiler and golang-etcd-server-dev (protoc and etcd's .proto files, the codec's reference).
set -euo pipefail
needed=()
for package in libnghttp2-dev libssl-dev openssl pkg-config etcd-server etcd-client protobuf-compiler golang-etcd-server-dev; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || needed+=("$package")
done
if [ "${#needed[@]}" -gt 0 ]; then
  echo "installing: ${needed[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${needed[@]}"
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift 6 toolchain" >&2; exit 1; }
