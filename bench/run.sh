#!/usr/bin/env bash
# Side-by-side benchmark: export-hub against the tools a user would otherwise reach for, on this
# machine, in one run. Prints a table and saves it to bench/results/<date>.md.
#
#   bench/run.sh            # the sizes of the benchmark (10,000 x 4 KB + 20 x 64 MB)
#   SCALE=0.1 bench/run.sh  # a tenth of them (a smoke run)
#
# Needs Java 17, Maven, and (installed here with apt-get when missing) rclone, awscli and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SCALE=${SCALE:-1.0}
PARALLELISM=${PARALLELISM:-4}
WORK=$(mktemp -d /tmp/exporthub-bench.XXXXXX)
S3_PORT=${S3_PORT:-19000}
HUB_PORT=${HUB_PORT:-18080}
KEY=bench-key
export AWS_ACCESS_KEY_ID=bench-access AWS_SECRET_ACCESS_KEY=bench-secret AWS_DEFAULT_REGION=us-east-1
# plain http on loopback: a CA bundle from the environment only makes rclone's S3 client refuse to start
unset AWS_CA_BUNDLE
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need rclone rclone
need wrk wrk
need aws awscli

scaled() { python3 -c "import math; print(max(1, math.ceil($1 * $SCALE)))"; }
SMALL=$(scaled 10000)
BIG=$(scaled 20)
now() { date +%s.%N; }
peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "== building"
mvn -q -o -DskipTests package test-compile 2>/dev/null || mvn -q -DskipTests package test-compile
mvn -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null 2>&1 \
    || mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null

echo "== files: $SMALL x 4 KB, $BIG x 64 MB"
VOLUME="$WORK/volume"
mkdir -p "$VOLUME/small" "$VOLUME/big"
python3 - "$VOLUME" "$SMALL" "$BIG" <<'PY'
import os, sys
volume, small, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(small):
    with open(f"{volume}/small/f{i:05d}.txt", "wb") as f:
        f.write(os.urandom(4096))
block = os.urandom(1 << 20)
for i in range(big):
    with open(f"{volume}/big/b{i:02d}.bin", "wb") as f:
        for _ in range(64):
            f.write(block)
PY
BYTES=$(du -sb "$VOLUME" | cut -f1)

echo "== S3 server (s3proxy) on $S3_PORT"
java -Xmx1g -cp "$ROOT/target/test-classes:$(cat "$WORK/cp.txt")" io.exporthub.testing.S3ServerMain \
    "$WORK/s3" "$S3_PORT" hub rclone awscli > "$WORK/s3.log" 2>&1 &
PIDS+=($!)
until grep -qs "ready" "$WORK/s3.log"; do sleep 0.2; done
ENDPOINT=http://127.0.0.1:$S3_PORT

echo "== export-hub on $HUB_PORT"
mkdir -p "$WORK/hub"
(cd "$WORK/hub" && CAMEL_SERVER_PORT=$HUB_PORT EXPORTHUB_API_KEY=$KEY EXPORTHUB_VOLUME_ROOT="$VOLUME" \
    EXPORTHUB_PIPELINE_PARALLELISM=$PARALLELISM exec java -Xmx512m -jar "$ROOT/target/export-hub.jar" > "$WORK/hub.log" 2>&1) &
HUB_PID=$!
PIDS+=($HUB_PID)
API=http://127.0.0.1:$HUB_PORT/byoa/api/v1
until curl -sf "http://127.0.0.1:$HUB_PORT/observe/health" >/dev/null; do sleep 0.5; done
call() { curl -sf "$API$1" -H "moi-key: $KEY" -H 'Content-Type: application/json' -d "$2"; }
call /connector/create "{\"name\":\"bench\",\"kind\":\"s3\",\"config\":{\"endpoint\":\"$ENDPOINT\",\"bucket_name\":\"hub\",\"access_key_id\":\"$AWS_ACCESS_KEY_ID\",\"access_key_secret\":\"$AWS_SECRET_ACCESS_KEY\",\"path_style\":true}}" >/dev/null
python3 - "$VOLUME" > "$WORK/task.json" <<'PY'
import json, os, sys
volume = sys.argv[1]
files = [{"file_id": f"{d}/{n}", "full_path": [d, n], "is_raw": True}
         for d in ("small", "big") for n in sorted(os.listdir(os.path.join(volume, d)))]
print(json.dumps({"task_name": "bench", "creator": "bench", "connector_id": 1, "connector_name": "bench",
                  "type": 2, "config": {"s3_config": {"path": ""}}, "files": files}))
PY

echo "== export-hub: S3 export task"
START=$(now)
TASK=$(curl -sf "$API/export/task/create" -H "moi-key: $KEY" -H 'Content-Type: application/json' --data-binary @"$WORK/task.json" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
while [ "$(curl -sf "$API/export/task/$TASK/state" -H "moi-key: $KEY" | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(d["pending"] + d["running"])')" != "0" ]; do
    sleep 0.2
done
HUB_SECONDS=$(python3 -c "print(round($(now) - $START, 2))")
STATE=$(curl -sf "$API/export/task/$TASK/state" -H "moi-key: $KEY")
HUB_PEAK=$(peak_kb "$HUB_PID")

echo "== rclone copy (--transfers $PARALLELISM)"
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT \
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
START=$(now)
if rclone copy --retries 1 --transfers "$PARALLELISM" --checkers "$PARALLELISM" "$VOLUME" bench:rclone/ 2> "$WORK/rclone.log"; then
    RCLONE_SECONDS=$(python3 -c "print(round($(now) - $START, 2))")
    RCLONE_CELL="rclone copy: ${RCLONE_SECONDS} s"
    RCLONE_RATIO=$(python3 -c "print(f'{$RCLONE_SECONDS / $HUB_SECONDS:.2f}x')")
else
    # seen with Debian's rclone 1.60 against s3proxy 2.6: every PUT refused (SignatureDoesNotMatch)
    RCLONE_CELL="rclone copy: refused by the server ($(grep -m1 -o '[A-Za-z]*: Forbidden' "$WORK/rclone.log" || true))"
    RCLONE_RATIO="n/a"
fi

echo "== aws s3 cp --recursive"
aws configure set default.s3.max_concurrent_requests "$PARALLELISM" 2>/dev/null || true
START=$(now)
aws s3 cp --recursive --quiet --endpoint-url "$ENDPOINT" "$VOLUME" s3://awscli/
AWS_SECONDS=$(python3 -c "print(round($(now) - $START, 2))")

echo "== API under load (wrk, 10 s each)"
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["moi-key"] = "$KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY")
LUA
wrk_line() {
    BODY="$2" wrk -t2 -c16 -d10s --latency -s "$WORK/post.lua" "$API$1" > "$WORK/wrk.txt" 2>&1
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
    p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")
    p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")
    echo "| API: $3 | $rps req/s, p50 $p50, p99 $p99 | — |"
}
python3 - "$VOLUME" > "$WORK/small-task.json" <<'PY'
import json
print(json.dumps({"task_name": "load", "creator": "bench", "connector_id": 1, "connector_name": "bench", "type": 2,
                  "config": {"s3_config": {"path": "load"}},
                  "files": [{"file_id": "a", "full_path": ["small", "f00000.txt"], "is_raw": True}]}))
PY
API_CREATE=$(wrk_line /export/task/create "$(cat "$WORK/small-task.json")" "create (1-file task)")
API_LIST=$(wrk_line /export/task/list '{"limit": 10}' "list")
API_INFO=$(wrk_line /export/task/info "{\"id\": \"$TASK\"}" "info")
HUB_PEAK_AFTER=$(peak_kb "$HUB_PID")

ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
DATE=$(date -u +%Y-%m-%d)
OUT="$ROOT/bench/results/$DATE.md"
{
    echo "# export-hub benchmark, $DATE"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1),"
    echo "$(rclone version 2>/dev/null | head -1), $(aws --version 2>&1 | head -1). Scale $SCALE: $SMALL files of 4 KB and $BIG of 64 MB"
    echo "($(python3 -c "print(round($BYTES/1048576))") MiB), to s3proxy (filesystem backend) on loopback; parallelism $PARALLELISM everywhere."
    echo
    echo "| case | export-hub | the alternative | ratio (alternative time / ours) |"
    echo "|---|---|---|---|"
    echo "| S3 export, until completed | ${HUB_SECONDS} s, peak RSS $((HUB_PEAK / 1024)) MiB (-Xmx512m) | $RCLONE_CELL | $RCLONE_RATIO |"
    echo "| | | aws s3 cp --recursive: ${AWS_SECONDS} s | $(ratio "$AWS_SECONDS" "$HUB_SECONDS") |"
    echo "$API_CREATE"
    echo "$API_LIST"
    echo "$API_INFO"
    echo
    echo "Task state at the end: \`$STATE\`. Peak RSS of the service after the API load: $((HUB_PEAK_AFTER / 1024)) MiB."
} > "$OUT"
cat "$OUT"
