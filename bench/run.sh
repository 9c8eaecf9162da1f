#!/usr/bin/env bash
# Side-by-side benchmark: export-hub against the tools a user would otherwise reach for, on this
# machine, in one run. Prints a table and saves it to bench/results/<date>.md.
#
#   bench/run.sh                    # the sizes of the benchmark (below)
#   SCALE=0.1 bench/run.sh          # a tenth of them (a smoke run)
#   HUB_JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/jfr/ bench/run.sh   # profile the service (a file per process)
#   CASES="table mo" bench/run.sh   # some of the cases: s3, table, mo, dify (default: all four)
#
# s3     10,000 x 4 KB + 20 x 64 MB to s3proxy: an export task vs rclone copy and aws s3 cp; then
#        the API under load (wrk).
# table  1,000,000 rows of mixed types in a table whose store is MariaDB, service at -Xmx256m: an
#        import job of a CSV vs LOAD DATA LOCAL INFILE into the same schema; an export job to CSV
#        (until the file is ready) vs mariadb --batch -e 'SELECT ...' > file of the same rows.
# mo     200,000 blocks of processing results into a MariaDB table (MatrixOne target, dialect
#        mysql, new_table), service at -Xmx256m, vs a plain JDBC batched-insert loop
#        (io.exporthub.testing.JdbcInsertLoop) writing the same rows.
# dify   2,000 documents (3 in 4 processing results of 24 blocks, sent as text; 1 in 4 raw Markdown
#        files, sent as files; about 3 KB each) into a dataset of a fake Dify
#        (io.exporthub.testing.dify.FakeDifyMain, a process of its own, answering every request
#        after DIFY_LATENCY ms, 20 by default), service at -Xmx256m with its store on MariaDB and
#        max_concurrency PARALLELISM, vs a plain java.net.http loop on PARALLELISM threads
#        (io.exporthub.testing.dify.DifyHttpLoop) making the same calls per file into a dataset of
#        its own; each dataset must then hold one document per file, and no request may stray from
#        Dify's OpenAPI document (the fake checks each one).
# table, mo and dify run at 10% and at 100% of their size, each step in a fresh service process, so
# that the peak RSS is that step's and the growth shows.
# s3, table and mo run each side more than once and count each side's fastest round (every cell shows
# them all): s3 four rounds (S3_ROUNDS), table and mo two. The first rounds of a fresh JVM pay for its
# JIT (on two cores the service's compiler needs about three rounds of 10,000 small files to settle,
# and a long-running service is what s3 stands for), and on two cores one run's leftovers (dirty pages,
# a buffer pool smaller than the table) slow the next. s3 and table take turns (ours, theirs, ours,
# theirs); in mo each side runs its two rounds in one process, the JDBC loop in one JVM.
#
# Needs Java 17, Maven, a MariaDB (MARIADB_HOST/PORT/USER/PASSWORD, default root@127.0.0.1:3306,
# empty password; the bench makes and drops its own databases and user), and (installed here with
# apt-get when missing) rclone, awscli, wrk and the mariadb client.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SCALE=${SCALE:-1.0}
CASES=${CASES:-s3 table mo dify}
PARALLELISM=${PARALLELISM:-4}
S3_ROUNDS=${S3_ROUNDS:-4}
WORK=$(mktemp -d /tmp/exporthub-bench.XXXXXX)
S3_PORT=${S3_PORT:-19000}
HUB_PORT=${HUB_PORT:-18080}
DIFY_PORT=${DIFY_PORT:-19180}
DIFY_LATENCY=${DIFY_LATENCY:-20}
DIFY_KEY=dataset-bench-key
KEY=bench-key
MARIADB_HOST=${MARIADB_HOST:-127.0.0.1}
MARIADB_PORT=${MARIADB_PORT:-3306}
MARIADB_USER=${MARIADB_USER:-root}
MARIADB_PASSWORD=${MARIADB_PASSWORD:-}
BENCH_DB=exporthub_bench_$$
BENCH_PASSWORD=bench-pass-$$
export AWS_ACCESS_KEY_ID=bench-access AWS_SECRET_ACCESS_KEY=bench-secret AWS_DEFAULT_REGION=us-east-1
# plain http on loopback: a CA bundle from the environment only makes rclone's S3 client refuse to start
unset AWS_CA_BUNDLE
PIDS=()
DATABASES=()
want() { [[ " $CASES " == *" $1 "* ]]; }
sql() { MYSQL_PWD="$MARIADB_PASSWORD" mariadb -h "$MARIADB_HOST" -P "$MARIADB_PORT" -u "$MARIADB_USER" "$@"; }
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for db in "${DATABASES[@]}"; do sql -e "DROP DATABASE IF EXISTS \`$db\`" || true; done
    if [ ${#DATABASES[@]} -gt 0 ]; then sql -e "DROP USER IF EXISTS '$BENCH_DB'@'127.0.0.1'" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
if want s3; then
    need rclone rclone
    need wrk wrk
    need aws awscli
fi
if want table || want mo || want dify; then
    need mariadb mariadb-client
fi

scaled() { python3 -c "import math; print(max(1, math.ceil($1 * $SCALE)))"; }
SMALL=$(scaled 10000)
BIG=$(scaled 20)
now() { date +%s.%N; }
since() { python3 -c "print(round($(now) - $1, 2))"; }
peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
# count_round <fastest> <rounds> <seconds>: a round's time added to the list in the variable named
# <rounds>, and kept in the variable named <fastest> if no round so far was faster
count_round() {
    local -n fastest_=$1 rounds_=$2
    if [ -z "$fastest_" ]; then fastest_=$3; else fastest_=$(python3 -c "print(min($fastest_, $3))"); fi
    rounds_+="${rounds_:+, }$3"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
fail() { echo "bench: $1" >&2; [ -n "${2:-}" ] && tail -n 40 "$2" >&2; exit 1; }
# waits until no file of task <id> is pending or running, asking every 50 ms (no interpreter per poll,
# so that the wait adds little to the time measured)
await_task() {
    local state
    while :; do
        state=$(curl -sf "$API/export/task/$1/state" -H "moi-key: $KEY") || fail "task $1 not readable" "${HUB_LOG:-$WORK/hub.log}"
        case "$state" in *'"pending":0,'*) case "$state" in *'"running":0,'*|*'"running":0}'*) break ;; esac ;; esac
        sleep 0.05
    done
}

echo "== building"
mvn -q -o -DskipTests package test-compile 2>/dev/null || mvn -q -DskipTests package test-compile
mvn -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null 2>&1 \
    || mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
API=http://127.0.0.1:$HUB_PORT/byoa/api/v1
TABLES=http://127.0.0.1:$HUB_PORT/userve
call() { curl -sf "$API$1" -H "moi-key: $KEY" -H 'Content-Type: application/json' -d "$2"; }

if want s3; then
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
    "$WORK/s3" "$S3_PORT" hub rclone awscli warmup > "$WORK/s3.log" 2>&1 &
PIDS+=($!)
until grep -qs "ready" "$WORK/s3.log"; do sleep 0.2; done
ENDPOINT=http://127.0.0.1:$S3_PORT
# s3proxy is a JVM too: warm it up (untimed) so that the first timed run does not pay for its JIT
aws configure set default.s3.max_concurrent_requests "$PARALLELISM" 2>/dev/null || true
aws s3 cp --recursive --quiet --endpoint-url "$ENDPOINT" "$VOLUME/small" s3://warmup/small/ --exclude "*" --include "f00[0-4]*"
aws s3 cp --quiet --endpoint-url "$ENDPOINT" "$VOLUME/big/b00.bin" s3://warmup/big/b00.bin

echo "== export-hub on $HUB_PORT (-Xmx512m, store H2)"
mkdir -p "$WORK/hub"
(cd "$WORK/hub" && CAMEL_SERVER_PORT=$HUB_PORT EXPORTHUB_API_KEY=$KEY EXPORTHUB_VOLUME_ROOT="$VOLUME" \
    EXPORTHUB_PIPELINE_PARALLELISM=$PARALLELISM exec java -Xmx512m -XX:+ExitOnOutOfMemoryError ${HUB_JAVA_OPTS:-} -jar "$ROOT/target/export-hub.jar" > "$WORK/hub.log" 2>&1) &
HUB_PID=$!
PIDS+=($HUB_PID)
until curl -sf "http://127.0.0.1:$HUB_PORT/observe/health" >/dev/null; do sleep 0.5; done
call /connector/create "{\"name\":\"bench\",\"kind\":\"s3\",\"config\":{\"endpoint\":\"$ENDPOINT\",\"bucket_name\":\"hub\",\"access_key_id\":\"$AWS_ACCESS_KEY_ID\",\"access_key_secret\":\"$AWS_SECRET_ACCESS_KEY\",\"path_style\":true}}" >/dev/null
python3 - "$VOLUME" > "$WORK/task.json" <<'PY'
import json, os, sys
volume = sys.argv[1]
files = [{"file_id": f"{d}/{n}", "full_path": [d, n], "is_raw": True}
         for d in ("small", "big") for n in sorted(os.listdir(os.path.join(volume, d)))]
print(json.dumps({"task_name": "bench", "creator": "bench", "connector_id": 1, "connector_name": "bench",
                  "type": 2, "config": {"s3_config": {"path": ""}}, "files": files}))
PY

export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT \
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
# S3_ROUNDS rounds, each tool in turn, each round to a prefix of its own; each tool's fastest round counts
HUB_SECONDS= AWS_SECONDS= RCLONE_SECONDS= RCLONE_REFUSED= HUB_ROUNDS= AWS_ROUNDS= RCLONE_ROUNDS=
for round in $(seq "$S3_ROUNDS"); do
    echo "== export-hub: S3 export task (round $round)"
    sed "s/\"path\": \"\"/\"path\": \"round$round\"/" "$WORK/task.json" > "$WORK/task-$round.json"
    START=$(now)
    TASK=$(curl -sf "$API/export/task/create" -H "moi-key: $KEY" -H 'Content-Type: application/json' --data-binary @"$WORK/task-$round.json" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
    await_task "$TASK"
    count_round HUB_SECONDS HUB_ROUNDS "$(since "$START")"
    STATE=$(curl -sf "$API/export/task/$TASK/state" -H "moi-key: $KEY")
    [ "$(echo "$STATE" | json 'd["data"]["completed"]')" = "$((SMALL + BIG))" ] || fail "the task did not complete every file: $STATE" "$WORK/hub.log"

    if [ -z "$RCLONE_REFUSED" ]; then
        echo "== rclone copy (--transfers $PARALLELISM, round $round)"
        START=$(now)
        # s3proxy 2.6 refuses the signature of a PUT whose Content-Type has a charset (rclone sends
        # "text/plain; charset=utf-8" for a .txt file; a type without one passes): one type for all
        if rclone copy --retries 1 --transfers "$PARALLELISM" --checkers "$PARALLELISM" \
            --header-upload "Content-Type: application/octet-stream" "$VOLUME" "bench:rclone/round$round/" 2> "$WORK/rclone.log"; then
            count_round RCLONE_SECONDS RCLONE_ROUNDS "$(since "$START")"
        else
            # as every .txt PUT was, before the Content-Type above (SignatureDoesNotMatch)
            RCLONE_REFUSED="refused by the server ($(grep -m1 -o '[A-Za-z]*: Forbidden' "$WORK/rclone.log" || true))"
        fi
    fi

    echo "== aws s3 cp --recursive (round $round)"
    START=$(now)
    aws s3 cp --recursive --quiet --endpoint-url "$ENDPOINT" "$VOLUME" "s3://awscli/round$round/"
    count_round AWS_SECONDS AWS_ROUNDS "$(since "$START")"
    # the round's objects off s3proxy's disk (untimed), so that the rounds do not fill it
    rm -rf "$WORK/s3/hub/round$round" "$WORK/s3/rclone/round$round" "$WORK/s3/awscli/round$round"
done
HUB_PEAK=$(peak_kb "$HUB_PID")
if [ -n "$RCLONE_REFUSED" ]; then
    RCLONE_CELL="rclone copy: $RCLONE_REFUSED"
    RCLONE_RATIO="n/a"
else
    RCLONE_CELL="rclone copy: ${RCLONE_SECONDS} s (rounds: $RCLONE_ROUNDS s)"
    RCLONE_RATIO=$(ratio "$RCLONE_SECONDS" "$HUB_SECONDS")
fi

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
kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null || true
fi

# ---- table and mo cases: a fresh export-hub for each step, store on MariaDB, -Xmx256m
start_hub() { # <name> <volume> <store database>
    mkdir -p "$WORK/$1"
    (cd "$WORK/$1" && CAMEL_SERVER_PORT=$HUB_PORT CAMEL_SERVER_MAXBODYSIZE=4294967296 EXPORTHUB_API_KEY=$KEY \
        EXPORTHUB_DB_URL="jdbc:mysql://$MARIADB_HOST:$MARIADB_PORT/$3" EXPORTHUB_DB_USER="$MARIADB_USER" \
        EXPORTHUB_DB_PASSWORD="$MARIADB_PASSWORD" EXPORTHUB_VOLUME_ROOT="$2" EXPORTHUB_PIPELINE_PARALLELISM=$PARALLELISM \
        EXPORTHUB_IMPORTS_MAX_BYTES=4294967296 EXPORTHUB_EXPORTS_MAX_ROWS=1000000000 EXPORTHUB_EXPORTS_INTERVAL=0 \
        exec java -Xmx256m -XX:+ExitOnOutOfMemoryError ${HUB_JAVA_OPTS:-} -jar "$ROOT/target/export-hub.jar" > "$WORK/$1.log" 2>&1) &
    HUB_PID=$!
    HUB_LOG="$WORK/$1.log"
    PIDS+=($HUB_PID)
    until curl -sf "http://127.0.0.1:$HUB_PORT/observe/health" >/dev/null; do
        kill -0 "$HUB_PID" 2>/dev/null || fail "export-hub did not start" "$HUB_LOG"
        sleep 0.5
    done
}
stop_hub() { kill "$HUB_PID" 2>/dev/null || true; wait "$HUB_PID" 2>/dev/null || true; }
# creates the task of <json file> and waits until none of its files is pending or running; sets
# TASK_S (seconds), TASK_KB (the service's peak RSS) and TASK_STATE (the task's file counts)
run_task() {
    local task start
    start=$(now)
    task=$(curl -sf "$API/export/task/create" -H "moi-key: $KEY" -H 'Content-Type: application/json' --data-binary @"$1" \
        | json 'd["data"]["id"]') || fail "task refused" "$HUB_LOG"
    await_task "$task"
    TASK_S=$(since "$start")
    TASK_KB=$(peak_kb "$HUB_PID")
    TASK_STATE=$(curl -sf "$API/export/task/$task/state" -H "moi-key: $KEY")
}
new_database() { sql -e "CREATE DATABASE \`$1\`"; DATABASES+=("$1"); }
# waits for a table job and prints it: <url of the job>
await_job() {
    local job
    while :; do
        job=$(curl -sf "$1" -H "Authorization: Bearer $KEY") || fail "job $1 not readable" "$HUB_LOG"
        case "$job" in *'"status":"finish"'*|*'"status":"failed"'*) break ;; esac
        sleep 0.05
    done
    echo "$job"
}
mib() { echo $(( $1 / 1024 )); }
growth() { # <label> <hub s 10%> <hub s 100%> <hub kB 10%> <hub kB 100%> <alt s 10%> <alt s 100%>
    echo "| $1, growth 10% → 100% | time $(ratio "$3" "$2"), peak RSS $(ratio "$5" "$4") | time $(ratio "$7" "$6") | |"
}
ROWS=()

table_step() { # <rows> <percent of the size>; appends to ROWS
    local rows=$1 label=$2% store=${BENCH_DB}_table_$2 tid first_tid round import_r load_r export_r select_r job import_s import_kb load_s export_s export_kb select_s csv_mb
    echo "== table: $rows rows ($label)"
    new_database "$store"
    python3 - "$WORK/rows-$label.csv" "$rows" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "w", newline="") as f:
    f.write("s,i,n,b,d,tags\r\n")
    for k in range(rows):
        s = f'"item {k}, lot {k % 97}"' if k % 10 == 0 else f"item-{k}"
        i = "" if k % 13 == 0 else str(k * 7 % 100000 - 50000)
        n = repr(k * 0.25 + 0.1)
        b = "" if k % 17 == 0 else ("true" if k % 2 == 0 else "false")
        d = str(1700000000 + k)
        f.write(f'{s},{i},{n},{b},{d},"[""t{k % 5}"",""x""]"\r\n')
PY
    csv_mb=$(python3 -c "import os; print(round(os.path.getsize('$WORK/rows-$label.csv') / 1048576, 1))")

    # two rounds, each side in turn, and each side's faster round counts: the store's buffer pool is
    # smaller than the table, so a run reads from disk whatever the one before it left cold
    start_hub "hub-import-$label" "$WORK/empty" "$store"
    local schema='{"fields": [{"name": "s", "type": "string"}, {"name": "i", "type": "integer"}, {"name": "n", "type": "number"}, {"name": "b", "type": "boolean"}, {"name": "d", "type": "date"}, {"name": "tags", "type": "array", "items": {"type": "string"}}]}'
    import_s= load_s= first_tid= import_r= load_r=
    for round in 1 2; do
        first_tid=${tid:-}
        tid=$(curl -sf "$TABLES/v1/table/" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
            -d "{\"name\": \"bench$round\", \"schema\": $schema}" | json 'd["id"]')
        START=$(now)
        job=$(curl -sf "$TABLES/v1/table/$tid/import/" -H "Authorization: Bearer $KEY" -F "file=@$WORK/rows-$label.csv" | json 'd["job_id"]') \
            || fail "import refused" "$HUB_LOG"
        job=$(await_job "$TABLES/v1/table/$tid/import/$job/")
        count_round import_s import_r "$(since "$START")"
        [ "$(echo "$job" | json 'd["status"], d["inserted"]')" = "finish $rows" ] || fail "import job: $job" "$HUB_LOG"

        sql -D "$store" -e "DROP TABLE IF EXISTS load_data; CREATE TABLE load_data LIKE tbl_$tid"
        START=$(now)
        sql --local-infile=1 -D "$store" -e "LOAD DATA LOCAL INFILE '$WORK/rows-$label.csv' INTO TABLE load_data CHARACTER SET utf8mb4
            FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\r\n' IGNORE 1 LINES (@s, @i, @n, @b, @d, @tags)
            SET id = SUBSTR(REPLACE(UUID(), '-', ''), 1, 24), f_s = NULLIF(@s, ''), f_i = NULLIF(@i, ''), f_n = NULLIF(@n, ''),
                f_b = IF(@b = '', NULL, @b = 'true'), f_d = IF(@d = '', NULL, @d * 1000), f_tags = NULLIF(@tags, ''),
                created_at = UNIX_TIMESTAMP(), updated_at = UNIX_TIMESTAMP(), created_by = 1,
                read_perm = '[\"user:anonymous\"]', write_perm = '[\"user:anonymous\"]'"
        count_round load_s load_r "$(since "$START")"
        [ "$(sql -N -D "$store" -e "SELECT COUNT(*) FROM load_data")" = "$rows" ] || fail "LOAD DATA loaded a different count"
    done
    import_kb=$(peak_kb "$HUB_PID")
    stop_hub
    # the second round's table is the one exported: drop the first's
    sql -D "$store" -e "DROP TABLE load_data; DROP TABLE tbl_$first_tid"

    start_hub "hub-export-$label" "$WORK/empty" "$store"
    export_s= select_s= export_r= select_r=
    for round in 1 2; do
        START=$(now)
        job=$(curl -sf "$TABLES/v1.5/table/$tid/export/" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
            -d '{"file_type": "csv", "mode": "all"}' | json 'd["job_id"]') || fail "export refused" "$HUB_LOG"
        job=$(await_job "$TABLES/v1.5/table/$tid/export/$job/")
        count_round export_s export_r "$(since "$START")"
        [ "$(echo "$job" | json 'd["status"], d["row_count"]')" = "finish $rows" ] || fail "export job: $job" "$HUB_LOG"
        rm -rf "$WORK/hub-export-$label/data/exports"

        START=$(now)
        sql --batch -D "$store" -e "SELECT id, f_s, f_i, f_n, f_b, f_d, f_tags, created_at, updated_at, created_by, read_perm, write_perm
            FROM tbl_$tid ORDER BY id" > "$WORK/select-$label.tsv"
        count_round select_s select_r "$(since "$START")"
        [ "$(wc -l < "$WORK/select-$label.tsv")" = "$((rows + 1))" ] || fail "SELECT wrote a different count"
    done
    export_kb=$(peak_kb "$HUB_PID")
    stop_hub

    rm -f "$WORK/rows-$label.csv" "$WORK/select-$label.tsv"

    ROWS+=("| table import ($label): $rows rows, CSV of $csv_mb MiB | ${import_s} s (rounds: $import_r s), peak RSS $(mib "$import_kb") MiB | LOAD DATA LOCAL INFILE: ${load_s} s (rounds: $load_r s) | $(ratio "$load_s" "$import_s") |")
    ROWS+=("| table export ($label): $rows rows to CSV | ${export_s} s (rounds: $export_r s), peak RSS $(mib "$export_kb") MiB | mariadb --batch -e 'SELECT ...' > file: ${select_s} s (rounds: $select_r s) | $(ratio "$select_s" "$export_s") |")
    STEP=("$import_s" "$import_kb" "$load_s" "$export_s" "$export_kb" "$select_s")
}

mo_step() { # <files of 1,000 blocks> <percent of the size>; appends to ROWS
    local files=$1 label=$2% store=${BENCH_DB}_mo_$2 target=${BENCH_DB}_target_$2 volume=$WORK/mo-$2 connector state hub_s hub_kb loop_s blocks
    blocks=$((files * 1000))
    echo "== mo: $blocks blocks in $files processing results ($label)"
    new_database "$store"
    new_database "$target"
    sql -e "GRANT ALL ON \`$target\`.* TO '$BENCH_DB'@'127.0.0.1'"
    TARGET=$target python3 - "$volume" "$files" > "$WORK/mo-task-$label.json" <<'PY'
import json, os, sys
volume, files = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{volume}/.parsed/docs", exist_ok=True)
text = "The quarterly figures were reviewed line by line; revenue, costs and margins are within the plan. " * 2
entries = []
for f in range(files):
    name = f"d{f:05d}.pdf"
    blocks = []
    for b in range(1000):
        kind = "title" if b % 20 == 0 else "text"
        blocks.append({"id": f"b{b}", "index": b + 1, "type": kind, "page_number": b // 20 + 1,
                       "content": (f"Section {b // 20} of {name}" if kind == "title" else f"{b}: {text}")})
    with open(f"{volume}/.parsed/docs/{name}.json", "w") as out:
        json.dump({"filename": name, "filetype": "pdf", "block_count": len(blocks), "blocks": blocks}, out)
    entries.append({"file_id": f"docs/{name}", "full_path": ["docs", name], "is_raw": False})
columns = [{"source_column": c, "mapping_column": c} for c in ("file_id", "block_no", "block_type", "page_no", "content", "title")]
print(json.dumps({"task_name": "bench-mo", "creator": "bench", "connector_name": "maria", "type": 3,
                  "config": {"mo_config": {"database_name": os.environ["TARGET"], "table_name": "blocks", "new_table": True,
                                           "column": {"export_column": columns}, "duplicated_strategy": 3}},
                  "files": entries}))
PY

    start_hub "hub-mo-$label" "$volume" "$store"
    call /connector/create "{\"name\":\"maria\",\"kind\":\"matrixone\",\"config\":{\"host\":\"$MARIADB_HOST\",\"port\":$MARIADB_PORT,\"user\":\"$BENCH_DB\",\"password\":\"$BENCH_PASSWORD\",\"dialect\":\"mysql\"}}" >/dev/null \
        || fail "connector refused" "$HUB_LOG"
    # two rounds a side, each into a table of its own, the second warm as the first left it (the
    # service's in its process, the loop's in its JVM); each side's faster round counts
    local hub_r= loop_r= round t
    hub_s= loop_s=
    for round in 1 2; do
        sed "s/\"table_name\": \"blocks\"/\"table_name\": \"blocks$round\"/" "$WORK/mo-task-$label.json" > "$WORK/mo-task-$label-$round.json"
        run_task "$WORK/mo-task-$label-$round.json"
        count_round hub_s hub_r "$TASK_S"
        state=$TASK_STATE
        [ "$(sql -N -D "$target" -e "SELECT COUNT(*) FROM blocks$round")" = "$blocks" ] || fail "the task wrote a different count: $state" "$HUB_LOG"
        sql -D "$target" -e "CREATE TABLE blocks_jdbc$round LIKE blocks$round"
    done
    java -cp "$ROOT/target/test-classes:$(cat "$WORK/cp.txt")" io.exporthub.testing.JdbcInsertLoop \
        "jdbc:mysql://$MARIADB_HOST:$MARIADB_PORT/$target?rewriteBatchedStatements=true" "$BENCH_DB" "$BENCH_PASSWORD" "$volume" \
        blocks_jdbc1,blocks_jdbc2 200 > "$WORK/jdbc-loop.log" || fail "the JDBC loop failed" "$WORK/jdbc-loop.log"
    for round in 1 2; do
        t=$(awk -v n="blocks_jdbc$round" '$1 == "round" && $2 == n {print $3}' "$WORK/jdbc-loop.log")
        count_round loop_s loop_r "$t"
        [ "$(sql -N -D "$target" -e "SELECT COUNT(*) FROM blocks_jdbc$round")" = "$blocks" ] || fail "the JDBC loop wrote a different count"
    done
    hub_kb=$(peak_kb "$HUB_PID")
    stop_hub
    rm -rf "$volume"

    ROWS+=("| MatrixOne target ($label): $blocks blocks in $files files, until completed | ${hub_s} s (rounds: $hub_r s), peak RSS $(mib "$hub_kb") MiB | JDBC batched-insert loop: ${loop_s} s (rounds: $loop_r s) | $(ratio "$loop_s" "$hub_s") |")
    STEP=("$hub_s" "$hub_kb" "$loop_s")
}

dify_volume() { # <directory> <documents>: 3 in 4 processing results, 1 in 4 raw Markdown files, about 3 KB each
    python3 - "$1" "$2" <<'PY'
import json, os, sys
volume, documents = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{volume}/.parsed/reports", exist_ok=True)
os.makedirs(f"{volume}/notes", exist_ok=True)
text = "Shipments left the warehouse on schedule; two pallets were held for inspection and released. "
for d in range(documents):
    if d % 4 == 3:
        with open(f"{volume}/notes/n{d:05d}.md", "w") as out:
            out.write(f"# Note {d}\n\n" + "".join(f"## Item {i}\n\n{i}: {text}\n\n" for i in range(24)))
        continue
    name = f"r{d:05d}.pdf"
    blocks = [{"id": f"b{b}", "index": b + 1, "type": "title" if b % 8 == 0 else "text", "page_number": b // 8 + 1,
               "content": f"Section {b // 8} of {name}" if b % 8 == 0 else f"{b}: {text}"} for b in range(24)]
    with open(f"{volume}/.parsed/reports/{name}.json", "w") as out:
        json.dump({"filename": name, "filetype": "pdf", "block_count": len(blocks), "blocks": blocks}, out)
PY
}
dify_documents() { # <dataset id>: how many documents the fake's dataset holds (Dify's list documents call)
    curl -sf "$DIFY_API/datasets/$1/documents?page=1&limit=1" -H "Authorization: Bearer $DIFY_KEY" | json 'd["total"]'
}
dify_loop() { # <dataset id> <volume>
    java -cp "$ROOT/target/test-classes:$(cat "$WORK/cp.txt")" io.exporthub.testing.dify.DifyHttpLoop \
        "$DIFY_API" "$DIFY_KEY" "$1" "$2" "$PARALLELISM" > "$WORK/dify-loop.log" 2>&1 || fail "the HTTP loop failed" "$WORK/dify-loop.log"
}

dify_step() { # <documents> <percent of the size>; appends to ROWS
    local documents=$1 label=$2% store=${BENCH_DB}_dify_$2 volume=$WORK/dify-$2 hub_dataset loop_dataset state hub_s hub_kb loop_s
    hub_dataset=$(awk -v n="hub-$2" '$1 == "dataset" && $2 == n {print $3}' "$WORK/dify.log")
    loop_dataset=$(awk -v n="loop-$2" '$1 == "dataset" && $2 == n {print $3}' "$WORK/dify.log")
    echo "== dify: $documents documents ($label)"
    new_database "$store"
    dify_volume "$volume" "$documents"
    python3 - "$volume" "$hub_dataset" > "$WORK/dify-task-$label.json" <<'PY'
import json, os, sys
volume, dataset = sys.argv[1], sys.argv[2]
files = [{"file_id": f"reports/{n[:-5]}", "full_path": ["reports", n[:-5]], "is_raw": False}
         for n in sorted(os.listdir(f"{volume}/.parsed/reports"))]
files += [{"file_id": f"notes/{n}", "full_path": ["notes", n], "is_raw": True} for n in sorted(os.listdir(f"{volume}/notes"))]
print(json.dumps({"task_name": "bench-dify", "creator": "bench", "connector_name": "kb", "type": 1,
                  "config": {"dify_config": {"dataset_id": dataset, "dataset_name": "bench"}, "merge_title_to_text": False},
                  "files": files}))
PY

    start_hub "hub-dify-$label" "$volume" "$store"
    call /connector/create "{\"name\":\"kb\",\"kind\":\"dify\",\"config\":{\"api_url\":\"$DIFY_API\",\"api_key\":\"$DIFY_KEY\",\"max_concurrency\":$PARALLELISM}}" >/dev/null \
        || fail "connector refused" "$HUB_LOG"
    run_task "$WORK/dify-task-$label.json"
    hub_s=$TASK_S hub_kb=$TASK_KB state=$TASK_STATE
    stop_hub
    [ "$(echo "$state" | json 'd["data"]["completed"]')" = "$documents" ] || fail "the task did not complete every file: $state" "$HUB_LOG"
    [ "$(dify_documents "$hub_dataset")" = "$documents" ] || fail "the task left a different count of documents: $state" "$HUB_LOG"

    START=$(now)
    dify_loop "$loop_dataset" "$volume"
    loop_s=$(since "$START")
    [ "$(dify_documents "$loop_dataset")" = "$documents" ] || fail "the HTTP loop left a different count of documents" "$WORK/dify-loop.log"
    rm -rf "$volume"

    ROWS+=("| Dify target ($label): $documents documents, until completed | ${hub_s} s, peak RSS $(mib "$hub_kb") MiB | plain HTTP client loop ($PARALLELISM threads): ${loop_s} s | $(ratio "$loop_s" "$hub_s") |")
    STEP=("$hub_s" "$hub_kb" "$loop_s")
}

if want table || want mo; then
    mkdir -p "$WORK/empty"
fi
if want table; then
    TABLE_ROWS=$(scaled 1000000)
    table_step "$(python3 -c "import math; print(max(1, math.ceil($TABLE_ROWS / 10)))")" 10
    T10=("${STEP[@]}")
    table_step "$TABLE_ROWS" 100
    ROWS+=("$(growth "table import" "${T10[0]}" "${STEP[0]}" "${T10[1]}" "${STEP[1]}" "${T10[2]}" "${STEP[2]}")")
    ROWS+=("$(growth "table export" "${T10[3]}" "${STEP[3]}" "${T10[4]}" "${STEP[4]}" "${T10[5]}" "${STEP[5]}")")
fi
if want mo; then
    sql -e "CREATE USER '$BENCH_DB'@'127.0.0.1' IDENTIFIED BY '$BENCH_PASSWORD'"
    MO_FILES=$(scaled 200)
    mo_step "$(python3 -c "import math; print(max(1, math.ceil($MO_FILES / 10)))")" 10
    M10=("${STEP[@]}")
    mo_step "$MO_FILES" 100
    ROWS+=("$(growth "MatrixOne target" "${M10[0]}" "${STEP[0]}" "${M10[1]}" "${STEP[1]}" "${M10[2]}" "${STEP[2]}")")
fi
if want dify; then
    DIFY_DOCS=$(scaled 2000)
    echo "== fake Dify on $DIFY_PORT (answers after $DIFY_LATENCY ms)"
    java -Xmx1g -cp "$ROOT/target/test-classes:$(cat "$WORK/cp.txt")" io.exporthub.testing.dify.FakeDifyMain \
        "$DIFY_PORT" "$DIFY_KEY" "$DIFY_LATENCY" warm-up hub-10 loop-10 hub-100 loop-100 > "$WORK/dify.log" 2>&1 &
    DIFY_PID=$!
    PIDS+=($DIFY_PID)
    until grep -qs "ready" "$WORK/dify.log"; do
        kill -0 "$DIFY_PID" 2>/dev/null || fail "the fake Dify did not start" "$WORK/dify.log"
        sleep 0.2
    done
    DIFY_API=http://127.0.0.1:$DIFY_PORT/v1
    # the fake's first answers are slow (its OpenAPI checks warm up): the loop warms it on a dataset of its own
    dify_volume "$WORK/dify-warm-up" "$(python3 -c "import math; print(max(1, math.ceil($DIFY_DOCS / 10)))")"
    dify_loop "$(awk '$1 == "dataset" && $2 == "warm-up" {print $3}' "$WORK/dify.log")" "$WORK/dify-warm-up"
    rm -rf "$WORK/dify-warm-up"
    dify_step "$(python3 -c "import math; print(max(1, math.ceil($DIFY_DOCS / 10)))")" 10
    D10=("${STEP[@]}")
    dify_step "$DIFY_DOCS" 100
    ROWS+=("$(growth "Dify target" "${D10[0]}" "${STEP[0]}" "${D10[1]}" "${STEP[1]}" "${D10[2]}" "${STEP[2]}")")
    kill "$DIFY_PID"; wait "$DIFY_PID" 2>/dev/null || true
    DIFY_CHECK=$(grep -m1 "violations of the OpenAPI document" "$WORK/dify.log") || fail "the fake Dify did not report" "$WORK/dify.log"
    [[ "$DIFY_CHECK" == *" 0 violations "* ]] || fail "requests strayed from Dify's OpenAPI document: $DIFY_CHECK" "$WORK/dify.log"
fi

DATE=$(date -u +%Y-%m-%d)
OUT="$ROOT/bench/results/$DATE.md"
mkdir -p "$ROOT/bench/results"
{
    echo "# export-hub benchmark, $DATE"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)."
    echo "Scale $SCALE, cases: $CASES."
    if want s3; then
        echo "S3: $(rclone version 2>/dev/null | head -1), $(aws --version 2>&1 | head -1); $SMALL files of 4 KB and $BIG of 64 MB"
        echo "($(python3 -c "print(round($BYTES/1048576))") MiB), to s3proxy (filesystem backend) on loopback; parallelism $PARALLELISM everywhere;"
        echo "$S3_ROUNDS rounds a side, the service's in one process."
    fi
    if want table || want mo; then
        echo "Tables and MatrixOne target: $(sql -N -e 'SELECT VERSION()') on $MARIADB_HOST:$MARIADB_PORT, export-hub at -Xmx256m"
        echo "with its store on it (\`$(echo "jdbc:mysql://$MARIADB_HOST:$MARIADB_PORT/<db>")\`), a fresh process for each step."
    fi
    if want dify; then
        echo "Dify target: export-hub at -Xmx256m with its store on $(sql -N -e 'SELECT VERSION()'), a fresh process for each step;"
        echo "a fake Dify (in memory, every request checked against Dify's OpenAPI document; $DIFY_CHECK),"
        echo "answering each request after $DIFY_LATENCY ms, on loopback; $PARALLELISM workers and max_concurrency $PARALLELISM, and $PARALLELISM threads in the loop."
        echo "Documents: 3 in 4 processing results of 24 blocks (create-by-text), 1 in 4 raw Markdown files (create-by-file), about 3 KB each."
    fi
    echo
    echo "| case | export-hub | the alternative | ratio (alternative time / ours) |"
    echo "|---|---|---|---|"
    if want s3; then
        echo "| S3 export, until completed | ${HUB_SECONDS} s (rounds: $HUB_ROUNDS s), peak RSS $((HUB_PEAK / 1024)) MiB (-Xmx512m) | $RCLONE_CELL | $RCLONE_RATIO |"
        echo "| | | aws s3 cp --recursive: ${AWS_SECONDS} s (rounds: $AWS_ROUNDS s) | $(ratio "$AWS_SECONDS" "$HUB_SECONDS") |"
        echo "$API_CREATE"
        echo "$API_LIST"
        echo "$API_INFO"
    fi
    for row in "${ROWS[@]}"; do echo "$row"; done
    if want s3; then
        echo
        echo "Task state at the end: \`$STATE\`. Peak RSS of the service after the API load: $((HUB_PEAK_AFTER / 1024)) MiB."
    fi
} > "$OUT"
cat "$OUT"
