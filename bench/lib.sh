# Shared by the bench scripts: a private glean (controller + agent) on a free port, cleaned up on exit.
set -eu
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
GLEAN="$ROOT/glean"
OUT="$BENCH_DIR/out"
mkdir -p "$OUT"
STARTED_PIDS=""
WORK=""

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cleanup() {
    for p in $STARTED_PIDS; do
        kill "$p" 2>/dev/null || true
    done
    for p in $STARTED_PIDS; do
        while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
    done
    if [ -n "$WORK" ]; then
        if [ -f "$WORK/agent/lease-watchdog.pid" ]; then
            kill "$(cat "$WORK/agent/lease-watchdog.pid")" 2>/dev/null || true
        fi
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT INT TERM

# start_glean_up: starts `glean up` in a temp data dir on a free port; sets SERVER.
start_glean_up() {
    "$GLEAN" --version >/dev/null   # builds the jar if needed, outside the timed part
    WORK=$(mktemp -d /tmp/glean-bench-XXXXXX)
    chmod 711 "$WORK"
    PORT=$(free_port)
    SERVER="http://127.0.0.1:$PORT"
    "$GLEAN" up --data "$WORK" --port "$PORT" --node bench >"$WORK/up.log" 2>&1 &
    STARTED_PIDS="$STARTED_PIDS $!"
    i=0
    until curl -fs "$SERVER/api/v1/nodes" 2>/dev/null | grep -q '"lendable":{"cpu":[0-9.]*[1-9]'; do
        i=$((i + 1))
        [ $i -lt 300 ] || { echo "bench: glean up did not come up; see $WORK/up.log" >&2; cat "$WORK/up.log" >&2; exit 1; }
        sleep 0.1
    done
}

# stats: reads numbers (one per line) and prints "median p90 min max"
stats() {
    python3 -c '
import sys, statistics
v = sorted(float(x) for x in sys.stdin if x.strip())
q = lambda p: v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
print("%.1f %.1f %.1f %.1f" % (statistics.median(v), q(0.9), v[0], v[-1]))'
}
