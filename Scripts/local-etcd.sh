# Sourced by the scripts that need a throwaway local etcd (the demo, the benchmark comparison).
#
#   start_local_etcd NAME CLIENT_PORT      starts etcd (ETCD_BIN or etcd on PATH) with a fresh data directory on
#                                          127.0.0.1:CLIENT_PORT (peer port CLIENT_PORT+1), waits until it is
#                                          healthy, sets ETCD_PID, and stops it and removes its data on exit.
start_local_etcd() {
  local name="$1" port="$2"
  local binary="${ETCD_BIN:-$(command -v etcd || true)}"
  [ -x "$binary" ] || { echo "etcd not found: apt-get install etcd-server" >&2; return 1; }
  LOCAL_ETCD_DATA="$(mktemp -d "/tmp/swift-etcd-$name.XXXXXX")"
  "$binary" --name "$name" --data-dir "$LOCAL_ETCD_DATA" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$((port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-cluster "$name=http://127.0.0.1:$((port + 1))" > "$LOCAL_ETCD_DATA.log" 2>&1 &
  ETCD_PID=$!
  # `wait` reports etcd's signal exit status; `|| true` keeps `set -e` from skipping the clean-up.
  trap 'kill $ETCD_PID 2>/dev/null; wait $ETCD_PID 2>/dev/null || true; rm -rf "$LOCAL_ETCD_DATA" "$LOCAL_ETCD_DATA.log"' EXIT
  for _ in $(seq 1 200); do
    ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$port" endpoint health >/dev/null 2>&1 && return 0
    sleep 0.05  # poll the health check until etcd answers
  done
  echo "etcd did not become healthy; log: $LOCAL_ETCD_DATA.log" >&2
  return 1
}
