# Shared by bench scripts that run private `glean up` instances (sourced, not run): start one and wait until its
# node is ready, and remove what instances leave behind (containers outlive their agent).
# Needs CG (the cgroup root) set by the caller.

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# glean_start GLEAN DATA PORT NODE MODE CONFIG: starts `glean up` in the background (its pid in GLEAN_PID, its log in
# DATA/up.log) and waits up to a minute for its node to be READY; if it does not come up, stops it and exits the script.
glean_start() {
    local glean=$1 data=$2 port=$3 node=$4 mode=$5 config=$6 i=0
    "$glean" up --data "$data" --port "$port" --node "$node" --guard "$mode" --config "$config" >"$data/up.log" 2>&1 &
    GLEAN_PID=$!
    until curl -fs "http://127.0.0.1:$port/api/v1/nodes" 2>/dev/null | grep -q '"status":"READY"'; do
        i=$((i + 1))
        [ $i -lt 600 ] || {
            echo "$(basename "$0"): glean up ($mode) did not come up:" >&2; cat "$data/up.log" >&2
            kill "$GLEAN_PID" 2>/dev/null; wait "$GLEAN_PID" 2>/dev/null; exit 1
        }
        sleep 0.1
    done
}

# glean_leftovers DATA: after the instance stopped, its lease watchdog and the containers it did not get to delete
glean_leftovers() {
    local d=$1 c
    [ -f "$d/agent/lease-watchdog.pid" ] && kill "$(cat "$d/agent/lease-watchdog.pid")" 2>/dev/null
    for c in $(runc --root "$d/agent/runc" list -q 2>/dev/null); do
        runc --root "$d/agent/runc" kill --all "$c" KILL 2>/dev/null
        sleep 0.2
        runc --root "$d/agent/runc" delete -f "$c" 2>/dev/null
    done
    return 0
}

# remove_mounts_and_cgroups TMP PREFIX: job disks mounted below TMP, then every cgroup named PREFIX* (children first)
remove_mounts_and_cgroups() {
    local tmp=$1 prefix=$2 m h dir
    for m in $(awk -v t="$tmp/" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done
    sleep 0.5
    for h in "$CG"/*/; do
        for dir in $(find "$h" -mindepth 1 -maxdepth 3 -type d \( -name "$prefix*" -o -path "*/$prefix*/*" \) 2>/dev/null | sort -r); do
            rmdir "$dir" 2>/dev/null
        done
    done
    return 0
}
