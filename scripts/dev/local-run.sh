#!/usr/bin/env bash
# Starts and stops the local elb-control stack: Azurite, the simulated cluster + registry, the exec server, the
# Functions app (devhost, or `func start` when asked and installed) and the dashboard. Everything binds to
# 127.0.0.1 and keeps its state under $ELB_LOCAL_DIR (default .local/ in the checkout).
#
# Each child runs in its own process group, recorded in $ELB_LOCAL_DIR/run/<name>.pid, so `stop` (or Ctrl-C on
# `all`) ends exactly what this script started, grandchildren included, and nothing else. Under `all` a part that dies
# is restarted with a capped backoff while the others keep running; logs (run/<name>.log) are appended, never
# truncated, so a crash trace survives the restart.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

LOCAL_DIR=${ELB_LOCAL_DIR:-$ROOT/.local}
mkdir -p "$LOCAL_DIR"
LOCAL_DIR=$(cd "$LOCAL_DIR" && pwd)
RUN_DIR=$LOCAL_DIR/run
mkdir -p "$RUN_DIR"

API_PORT=${ELB_API_PORT:-7071}
WEB_PORT=${ELB_WEB_PORT:-5173}
EXEC_PORT_LOCAL=${ELB_EXEC_PORT:-7682}
SIM_K8S_PORT=${ELB_SIM_K8S_PORT:-8001}
SIM_REGISTRY_PORT=${ELB_SIM_REGISTRY_PORT:-5001}
# The sim's Azure Resource Manager (HTTPS) and its AKS cluster's API server (HTTPS; closed while the cluster is stopped).
SIM_ARM_PORT=${ELB_SIM_ARM_PORT:-8443}
SIM_AKS_PORT=${ELB_SIM_AKS_PORT:-6443}
# The sim's webhook sink: where the local stack's notifications go (docs/sim.md "Webhook sink").
SIM_HOOKS_PORT=${ELB_SIM_HOOKS_PORT:-8002}
# The registry's Azure id: the sim answers ARM for it and sends it as the Event Grid topic; the app checks both.
SIM_REGISTRY_ID=/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/elb-sim/providers/Microsoft.ContainerRegistry/registries/elbsim
AZURITE_TABLE_PORT=${ELB_AZURITE_TABLE_PORT:-10002}
START_TIMEOUT=${ELB_START_TIMEOUT_SECONDS:-60}
# Restart backoff under `all`: 1s, 2s, 4s … capped at RESTART_MAX_DELAY; a part that stayed up RESTART_RESET seconds
# starts again from 1s.
RESTART_MAX_DELAY=${ELB_RESTART_MAX_DELAY_SECONDS:-30}
RESTART_RESET=${ELB_RESTART_RESET_SECONDS:-60}
SERVICES=(azurite sim terminal-exec api web)
# Written by `stop` before it ends anything, so a supervisor that is restarting a part at that moment stops too.
STOP_MARK=$RUN_DIR/stop-requested

usage() {
  cat <<EOF
usage: scripts/dev/local-run.sh [command]

  all (default)      start everything, print the dashboard URL, restart a part that dies, stop everything on Ctrl-C
  azurite            start Azurite (tables) in the background
  sim                start the simulated cluster + registry in the background
  terminal-exec      start the exec server in the background (checks kubectl first)
  api                start the Functions app in the background (devhost; 'api --func' uses func start)
  web                start the dashboard dev server in the background
  status             show what is running
  stop               stop everything this script started
  push-image REPO:TAG [--broken crash-loop|image-pull] [--no-event]
                     push a new image (new digest) to the sim registry; it sends an ImagePushed event
                     (--broken: an image whose pods crash-loop or cannot be pulled; --no-event: no event)
  fault ARGS...      manage sim faults (see docs/sim.md; build-fail and build-slow act on the next ACR Tasks build)
  cluster stop|start|status
                     stop or start the simulated AKS cluster (stopped: its API server refuses connections and
                     ARM reports powerState Stopped), or show its power state
  notifications [--json] | notifications clear | notifications fail --status N|reset [--count N] [--retry-after N]
                     what the app's notifications sent to the sim's webhook sink, one line per message (--json:
                     raw); clear the list; make the sink fail the next requests, to watch the retries

Ports (environment): ELB_API_PORT=$API_PORT ELB_WEB_PORT=$WEB_PORT ELB_EXEC_PORT=$EXEC_PORT_LOCAL
ELB_SIM_K8S_PORT=$SIM_K8S_PORT ELB_SIM_REGISTRY_PORT=$SIM_REGISTRY_PORT ELB_SIM_ARM_PORT=$SIM_ARM_PORT
ELB_SIM_AKS_PORT=$SIM_AKS_PORT ELB_SIM_HOOKS_PORT=$SIM_HOOKS_PORT ELB_AZURITE_TABLE_PORT=$AZURITE_TABLE_PORT
First LoadBalancer address the sim hands out: ELB_SIM_LB_IP_START=${ELB_SIM_LB_IP_START:-127.0.0.2}
State: ELB_LOCAL_DIR=$LOCAL_DIR
ELB_DEMO=waves: three targets in a wave (canary, then prod-eu and prod-us with approvals); npm run start:waves
EOF
}

log() { printf '[local-run] %s\n' "$*"; }
die() { printf '[local-run] error: %s\n' "$*" >&2; exit 1; }

pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() { echo "$RUN_DIR/$1.log"; }

# A part's recorded pid, or a failure when there is none. `stop` and a running `all` may remove the file at the
# same moment, so a file that vanishes between a test and a read is "no pid", never an error that ends the script.
read_pid() { cat "$(pid_file "$1")" 2>/dev/null; }

is_running() {
  local pid
  pid=$(read_pid "$1") || return 1
  kill -0 "$pid" 2>/dev/null
}

# Runs "$@" detached in a new process group (setsid), logging to run/<name>.log, and records its pid (= pgid).
start_detached() {
  local name=$1
  shift
  if is_running "$name"; then
    log "$name is already running (pid $(read_pid "$name"))"
    return 0
  fi
  # Appended, never truncated: the previous run's last lines are what explains a crash.
  printf '\n===== %s local-run: starting %s =====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$(log_file "$name")"
  setsid "$@" >>"$(log_file "$name")" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
  # Out of the job table: its death is reported by the supervisor's own line, not by bash's "Killed" notice.
  disown
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits until a service's port accepts connections, failing early if the process died.
wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + START_TIMEOUT))
  while ! port_open "$port"; do
    if ! is_running "$name"; then
      tail -n 20 "$(log_file "$name")" >&2 || true
      die "$name exited during start-up (log: $(log_file "$name"))"
    fi
    [ $SECONDS -lt $deadline ] || die "$name did not open port $port within ${START_TIMEOUT}s (log: $(log_file "$name"))"
    sleep 0.2
  done
}

ensure_port_free() {
  if port_open "$2"; then die "port $2 for $1 is already in use (set ELB_*_PORT, or stop what holds it)"; fi
}

stop_one() {
  local name=$1 pid i
  pid=$(read_pid "$name") || return 0
  # The pid file goes first: a running `all` takes a missing pid file as "stopped on purpose", not as a crash.
  rm -f "$(pid_file "$name")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "stopped $name"
  fi
}

stop_all() {
  local i
  touch "$STOP_MARK"
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_one "${SERVICES[$i]}"; done
}

# A random per-run exec token (never a well-known one), shared by the exec server and the app through a 0600 file.
exec_token() {
  local f=$RUN_DIR/exec-token
  if [ ! -s "$f" ]; then
    (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))' >"$f")
  fi
  cat "$f"
}

# The devhost's system key (it creates the file on first start; docs/devhost.md "Keys"). The sim reads it at each
# push to authenticate its Event Grid delivery, so the key never appears on a command line.
system_key_file() { echo "$LOCAL_DIR/devhost/keys/system.key"; }

# Sets EXEC_TOKEN and TERMINAL_EXEC_UPSTREAM for the app and the exec server unless the caller set them.
with_terminal_exec_env() {
  export EXEC_TOKEN=${EXEC_TOKEN:-$(exec_token)}
  export TERMINAL_EXEC_UPSTREAM=${TERMINAL_EXEC_UPSTREAM:-http://127.0.0.1:$EXEC_PORT_LOCAL}
}

# App settings that depend on this run's ports and state dir. The environment wins over local.settings.json.
with_app_env() {
  export ELB_LOCAL_DIR=$LOCAL_DIR
  # A local run has no platform sign-in; the app still refuses `none` on anything but loopback.
  export ELB_AUTH_MODE=${ELB_AUTH_MODE:-none}
  # The dashboard's dev server proxies /api, so browser writes arrive with its Origin; no other site's is accepted.
  export ELB_DASHBOARD_ORIGINS=${ELB_DASHBOARD_ORIGINS:-http://127.0.0.1:$WEB_PORT,http://localhost:$WEB_PORT}
  export ELB_OPENAPI_IMAGE=${ELB_OPENAPI_IMAGE:-127.0.0.1:$SIM_REGISTRY_PORT/elb-openapi}
  export ELB_REGISTRY_ENDPOINT=${ELB_REGISTRY_ENDPOINT:-http://127.0.0.1:$SIM_REGISTRY_PORT}
  export ELB_TABLES_ENDPOINT=${ELB_TABLES_ENDPOINT:-http://127.0.0.1:$AZURITE_TABLE_PORT/devstoreaccount1}
  # Azure Resource Manager is the sim's (docs/sim.md "The management plane"): the real SDKs reach it over TLS with the
  # sim's CA, and get tokens from its managed-identity endpoint as a Function App does from App Service's.
  if [ -z "${ELB_ARM_ENDPOINT:-}" ]; then
    export ELB_ARM_ENDPOINT=https://127.0.0.1:$SIM_ARM_PORT
    # Node reads one extra CA file: the sim's CA, joined to the one the caller already trusts (if any).
    local bundle=$LOCAL_DIR/sim/tls/trusted.pem
    mkdir -p "$LOCAL_DIR/sim/tls"
    { if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r "$NODE_EXTRA_CA_CERTS" ] && [ "$NODE_EXTRA_CA_CERTS" != "$bundle" ]; then
        cat "$NODE_EXTRA_CA_CERTS"
      fi
      cat "$LOCAL_DIR/sim/tls/ca.pem" 2>/dev/null || true; } >"$bundle.tmp" && mv "$bundle.tmp" "$bundle"
    export NODE_EXTRA_CA_CERTS=$bundle
  fi
  export IDENTITY_ENDPOINT=${IDENTITY_ENDPOINT:-https://127.0.0.1:$SIM_ARM_PORT/msi/token}
  if [ -z "${IDENTITY_HEADER:-}" ] && [ -f "$LOCAL_DIR/sim/identity-header" ]; then
    IDENTITY_HEADER=$(cat "$LOCAL_DIR/sim/identity-header")
    export IDENTITY_HEADER
  fi
  export ELB_REGISTRY_RESOURCE_ID=${ELB_REGISTRY_RESOURCE_ID:-$SIM_REGISTRY_ID}
  # Rebuild & Deploy's source: the sim builds nothing from it (it pushes a new digest), so any pinned ref will do here.
  export ELB_BUILD_SOURCE_URL=${ELB_BUILD_SOURCE_URL:-https://github.com/dotnetpower/elastic-blast-azure.git}
  export ELB_BUILD_SOURCE_REF=${ELB_BUILD_SOURCE_REF:-local-sim}
  export ELB_BUILD_CONTEXT=${ELB_BUILD_CONTEXT:-docker-openapi}
  # Notifications go to the sim's webhook sink, one destination per format (see them with `local-run.sh notifications`).
  # Set ELB_NOTIFY_WEBHOOKS to your own list, or to '' for none.
  local hooks=http://127.0.0.1:$SIM_HOOKS_PORT/hooks
  export ELB_NOTIFY_WEBHOOKS=${ELB_NOTIFY_WEBHOOKS-"[{\"name\":\"sink-json\",\"url\":\"$hooks/sink-json\",\"format\":\"json\"},{\"name\":\"sink-teams\",\"url\":\"$hooks/sink-teams\",\"format\":\"teams\"},{\"name\":\"sink-slack\",\"url\":\"$hooks/sink-slack\",\"format\":\"slack\"}]"}
  # The local target reaches the sim's AKS API server with the cluster user's kubeconfig and declares that cluster
  # (seedCluster), so `cluster stop` is real for it and Start cluster can start it (docs/deploy.md#start-cluster).
  if [ "${ELB_DEMO:-}" = waves ] && [ -z "${ELB_TARGETS:-}" ] && [ -z "${ELB_TARGETS_FILE:-}" ]; then
    demo_waves_settings
  fi
  if [ -z "${ELB_TARGETS:-}" ] && [ -z "${ELB_TARGETS_FILE:-}" ]; then
    export ELB_TARGETS="[{\"name\":\"local\",\"kind\":\"kubeconfig\",\"kubeconfig\":\"$LOCAL_DIR/sim/aks-kubeconfig\",\"context\":\"aks-elb-sim\",\"namespace\":\"elb-openapi\",\"servicePort\":8080,\"seedCluster\":{\"subscriptionId\":\"00000000-0000-0000-0000-000000000000\",\"resourceGroup\":\"elb-sim\",\"clusterName\":\"aks-elb-sim\"}}]"
  fi
}

# ELB_DEMO=waves (npm run start:waves): three targets on the sim's cluster, one namespace each, that follow the 3.x
# tags — `canary` updates by itself, then `prod-eu` and `prod-us` wait for a deployer's approval inside a window open
# every day but the last minute (docs/policies.md "Try it: three clusters").
demo_waves_settings() {
  local sim="\"kind\":\"kubeconfig\",\"kubeconfig\":\"$LOCAL_DIR/sim/aks-kubeconfig\",\"context\":\"aks-elb-sim\",\"servicePort\":8080"
  local range='"track":{"range":">=3.4 <4"}'
  local window='"window":{"days":["mon","tue","wed","thu","fri","sat","sun"],"start":"00:00","end":"23:59","timeZone":"Europe/Stockholm"}'
  export ELB_TARGETS="[{\"name\":\"canary\",\"namespace\":\"elb-canary\",$sim,\"policy\":{$range}},{\"name\":\"prod-eu\",\"namespace\":\"elb-prod-eu\",$sim,\"policy\":{\"mode\":\"approve\",$range,$window}},{\"name\":\"prod-us\",\"namespace\":\"elb-prod-us\",$sim,\"policy\":{\"mode\":\"approve\",$range,$window}}]"
  export ELB_WAVES='[{"name":"canary","targets":["canary"],"soakSeconds":20},{"name":"prod","targets":["prod-eu","prod-us"],"soakSeconds":20}]'
}

ensure_built() {
  # The devhost, sim and exec server run from dist/. Incremental, so quick when nothing changed; the test harness
  # builds once up front and sets ELB_SKIP_BUILD=1 so parallel stacks do not write dist/ at the same time.
  # The Functions app itself runs as the bundled package (package.json "main": dist/app/main.js), as it ships.
  if [ "${ELB_SKIP_BUILD:-0}" != 1 ]; then
    node_modules/.bin/tsc -p tsconfig.build.json
    node scripts/build-app.mjs
  fi
  [ -f dist/app/main.js ] || die "dist/app/main.js is missing: run npm run build:app"
  [ -f local.settings.json ] || cp local.settings.sample.json local.settings.json
}

aks_target_configured() {
  local targets=${ELB_TARGETS:-}
  [ -n "${ELB_TARGETS_FILE:-}" ] && [ -f "$ELB_TARGETS_FILE" ] && targets=$(cat "$ELB_TARGETS_FILE")
  [[ $targets == *'"aks"'* ]]
}

start_azurite() {
  ensure_port_free azurite "$AZURITE_TABLE_PORT"
  mkdir -p "$LOCAL_DIR/azurite"
  start_detached azurite node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$AZURITE_TABLE_PORT" \
    --location "$LOCAL_DIR/azurite" --silent
  wait_ready azurite "$AZURITE_TABLE_PORT"
  log "azurite tables on http://127.0.0.1:$AZURITE_TABLE_PORT"
}

start_sim() {
  ensure_port_free sim "$SIM_K8S_PORT"
  ensure_port_free sim "$SIM_REGISTRY_PORT"
  ensure_port_free sim "$SIM_ARM_PORT"
  ensure_port_free sim "$SIM_AKS_PORT"
  ensure_port_free sim "$SIM_HOOKS_PORT"
  start_detached sim node dist/sim/cli.js --k8s-port "$SIM_K8S_PORT" --registry-port "$SIM_REGISTRY_PORT" \
    --arm-port "$SIM_ARM_PORT" --aks-port "$SIM_AKS_PORT" --hooks-port "$SIM_HOOKS_PORT" --registry-resource-id "${ELB_REGISTRY_RESOURCE_ID:-$SIM_REGISTRY_ID}" \
    --state-dir "$LOCAL_DIR/sim" --lb-ip-start "${ELB_SIM_LB_IP_START:-127.0.0.2}" \
    --webhook "http://127.0.0.1:$API_PORT/runtime/webhooks/EventGrid?functionName=acrImagePushed" \
    --webhook-key-file "$(system_key_file)"
  wait_ready sim "$SIM_K8S_PORT"
  wait_ready sim "$SIM_REGISTRY_PORT"
  wait_ready sim "$SIM_ARM_PORT"
  wait_ready sim "$SIM_HOOKS_PORT"
  log "sim: Kubernetes API http://127.0.0.1:$SIM_K8S_PORT, registry http://127.0.0.1:$SIM_REGISTRY_PORT, ARM https://127.0.0.1:$SIM_ARM_PORT, webhook sink http://127.0.0.1:$SIM_HOOKS_PORT"
}

start_terminal_exec() {
  local need=(kubectl) missing=() bin
  aks_target_configured && need+=(az kubelogin)
  for bin in "${need[@]}"; do command -v "$bin" >/dev/null 2>&1 || missing+=("$bin"); done
  [ ${#missing[@]} -eq 0 ] || die "terminal-exec needs ${missing[*]} on PATH (kubectl: apt-get install kubernetes-client)"
  ensure_port_free terminal-exec "$EXEC_PORT_LOCAL"
  with_terminal_exec_env
  EXEC_PORT=$EXEC_PORT_LOCAL EXEC_HOST=127.0.0.1 start_detached terminal-exec node dist/exec/cli.js
  wait_ready terminal-exec "$EXEC_PORT_LOCAL"
  log "exec server http://127.0.0.1:$EXEC_PORT_LOCAL"
}

start_api() {
  local use_func=${ELB_USE_FUNC:-0}
  [ "${1:-}" = "--func" ] && use_func=1
  ensure_port_free api "$API_PORT"
  with_terminal_exec_env
  with_app_env
  if [ "$use_func" = 1 ]; then
    command -v func >/dev/null 2>&1 || die "--func asked for, but Azure Functions Core Tools (func) are not installed"
    start_detached api func start --port "$API_PORT"
  else
    start_detached api node dist/devhost/cli.js --app "$ROOT" --port "$API_PORT" --state-dir "$LOCAL_DIR/devhost"
  fi
  wait_ready api "$API_PORT"
  log "api http://127.0.0.1:$API_PORT/api"
}

start_web() {
  ensure_port_free web "$WEB_PORT"
  ELB_API_URL=http://127.0.0.1:$API_PORT start_detached web node_modules/.bin/vite --config web/vite.config.ts \
    --host 127.0.0.1 --port "$WEB_PORT" --strictPort
  wait_ready web "$WEB_PORT"
  log "dashboard http://127.0.0.1:$WEB_PORT/docs"
}

status() {
  local name state
  for name in "${SERVICES[@]}"; do
    if is_running "$name"; then state="running (pid $(read_pid "$name"))"; else state=stopped; fi
    printf '%-14s %s\n' "$name" "$state"
  done
}

# Ends whatever is left of a part's process group (a dead leader can leave children holding its ports).
reap_group() {
  local pid
  pid=$(read_pid "$1") || return 0
  kill -KILL -- "-$pid" 2>/dev/null || true
}

# Starts one part in a subshell, so a failed start (die) is reported instead of ending the supervisor.
start_part() {
  case "$1" in
    azurite) (start_azurite) ;;
    sim) (start_sim) ;;
    terminal-exec) (start_terminal_exec) ;;
    api) (start_api) ;;
    web) (start_web) ;;
  esac
}

run_all() {
  trap 'stop_all; exit 130' INT
  trap 'stop_all; exit 143' TERM
  trap 'stop_all; exit 129' HUP
  trap 'stop_all' EXIT
  rm -f "$STOP_MARK"
  ensure_built
  start_azurite
  start_sim
  start_terminal_exec
  start_api
  start_web
  log "elb-control is running. Dashboard: http://127.0.0.1:$WEB_PORT/docs  (Ctrl-C stops everything)"
  supervise
}

# Stays in the foreground while the parts run. A part that dies is restarted after a backoff (1s, doubling, capped at
# RESTART_MAX_DELAY) while the others keep running; `local-run.sh stop` from another terminal ends the loop.
supervise() {
  local name delay n
  declare -A failures=() retry_at=() up_since=()
  for name in "${SERVICES[@]}"; do
    failures[$name]=0
    up_since[$name]=$SECONDS
  done
  while true; do
    for name in "${SERVICES[@]}"; do
      if [ -f "$STOP_MARK" ] || [ ! -f "$(pid_file "$name")" ]; then
        log "stopped by 'local-run.sh stop'"
        stop_all
        exit 0
      fi
      if [ -z "${retry_at[$name]:-}" ]; then
        if is_running "$name"; then
          [ $((SECONDS - ${up_since[$name]})) -lt "$RESTART_RESET" ] || failures[$name]=0
          continue
        fi
        # Just noticed: say so once, with the log's last lines, and schedule the restart.
        n=$((${failures[$name]} + 1))
        failures[$name]=$n
        delay=$RESTART_MAX_DELAY
        [ "$n" -gt 6 ] || [ $((1 << (n - 1))) -ge "$delay" ] || delay=$((1 << (n - 1)))
        retry_at[$name]=$((SECONDS + delay))
        reap_group "$name"
        tail -n 5 "$(log_file "$name")" 2>/dev/null | sed 's/^/    /' >&2 || true
        log "$name stopped unexpectedly; restarting in ${delay}s (restart $n, log: $(log_file "$name"))"
        continue
      fi
      [ "$SECONDS" -ge "${retry_at[$name]}" ] || continue
      unset "retry_at[$name]"
      if start_part "$name"; then
        up_since[$name]=$SECONDS
        log "$name restarted (pid $(read_pid "$name"))"
      else
        # Handled like a crash: the next pass schedules another attempt, with a longer delay. A start that timed out
        # may have left its process running without a port: end it.
        if is_running "$name"; then reap_group "$name"; fi
        log "$name did not come back (log: $(log_file "$name"))"
      fi
      # A `stop` that arrived while the part was starting must not leave it running.
      if [ -f "$STOP_MARK" ]; then
        stop_all
        exit 0
      fi
    done
    sleep 1
  done
}

cmd=${1:-all}
[ $# -gt 0 ] && shift
case "$cmd" in
  all) run_all ;;
  azurite) start_azurite ;;
  sim) ensure_built && start_sim ;;
  terminal-exec) ensure_built && start_terminal_exec ;;
  api) ensure_built && start_api "$@" ;;
  web) start_web ;;
  status) status ;;
  stop) stop_all ;;
  push-image)
    # push-image REPO:TAG [--broken crash-loop|image-pull] [--no-event]: elb-sim checks the arguments and prints the answer.
    ref=${1:-}
    [[ $ref == *:* ]] || die "push-image needs REPO:TAG [--broken crash-loop|image-pull] [--no-event], e.g. elb-openapi:3.4"
    node dist/sim/cli.js push "$@" --registry-url "http://127.0.0.1:$SIM_REGISTRY_PORT"
    ;;
  fault) node dist/sim/cli.js fault --k8s-url "http://127.0.0.1:$SIM_K8S_PORT" "$@" ;;
  cluster)
    case "${1:-}" in
      stop | start | status) node dist/sim/cli.js cluster "$1" --k8s-url "http://127.0.0.1:$SIM_K8S_PORT" ;;
      *) die "cluster needs stop, start or status" ;;
    esac
    ;;
  notifications) node dist/sim/cli.js notifications "$@" --hooks-url "http://127.0.0.1:$SIM_HOOKS_PORT" ;;
  -h | --help | help) usage ;;
  *) usage >&2 && exit 2 ;;
esac
