#!/usr/bin/env bash
# A pg_auto_failover formation on this machine: a monitor, a primary and a synchronous secondary
# (Debian's postgresql-15-auto-failover), for the failover test and for trying HA by hand.
#
#   test/ha/cluster.sh start    create (first time) and run the three nodes, wait until healthy
#   test/ha/cluster.sh url      the multi-host connection string seatgate uses
#   test/ha/cluster.sh state    pg_autoctl show state
#   test/ha/cluster.sh kill N   kill -9 node N's keeper, postgres and backends (a node crash)
#   test/ha/cluster.sh run N    (re)start node N's keeper, e.g. after a kill: it rejoins as secondary
#   test/ha/cluster.sh healthy  exit 0 when a primary and a secondary are in their goal states
#   test/ha/cluster.sh stop     stop every node (keeps the data)
#   test/ha/cluster.sh destroy  stop and remove everything
#
# Everything lives under SEATGATE_HA_DIR (default /tmp/seatgate-ha), owned by the OS user
# postgres, on ports SEATGATE_HA_PORT (monitor), +1 and +2 (the nodes), default 6540: never 5432.
# Failure detection is tuned down from pg_auto_failover's defaults (about 30 s) to seconds, since
# the nodes share one machine; docs/operations.md says what to use across machines.
set -euo pipefail

HA_DIR=${SEATGATE_HA_DIR:-/tmp/seatgate-ha}
BASE_PORT=${SEATGATE_HA_PORT:-6540}
MONITOR_PORT=$BASE_PORT
PGBIN=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
DB=seatgate
APP_USER=seatgate
APP_PASSWORD=seatgate

die() { echo "cluster.sh: $*" >&2; exit 1; }
[ -n "$PGBIN" ] || die "PostgreSQL 15 is not installed (apt-get install postgresql-15 postgresql-15-auto-failover)"
command -v pg_autoctl >/dev/null || die "pg_autoctl is missing (apt-get install postgresql-15-auto-failover)"

# pg_autoctl keeps its configuration and state under XDG dirs: keep them with the data, so that
# a destroyed formation leaves nothing behind in postgres's home.
as_pg() {
  runuser -u postgres -- env PATH="$PGBIN:$PATH" XDG_CONFIG_HOME="$HA_DIR/config" \
    XDG_DATA_HOME="$HA_DIR/share" XDG_RUNTIME_DIR="$HA_DIR/run" PG_CONFIG="$PGBIN/pg_config" "$@"
}
monitor_uri="postgres://autoctl_node@127.0.0.1:$MONITOR_PORT/pg_auto_failover?sslmode=disable"
node_port() { echo $((BASE_PORT + $1)); }

keeper_running() { [ -f "$HA_DIR/$1.pid" ] && kill -0 "$(cat "$HA_DIR/$1.pid")" 2>/dev/null; }

run_keeper() { # name: starts `pg_autoctl run` for that data dir in the background
  local name=$1
  keeper_running "$name" && return 0
  # setsid: the keeper and its postgres get a process group of their own (the test kills it whole).
  as_pg setsid pg_autoctl run --pgdata "$HA_DIR/$name" >>"$HA_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$HA_DIR/$name.pid"
}

wait_for() { # seconds description command...
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${seconds}s waiting for $what"
    sleep 0.5
  done
}

healthy() { # the primary and a secondary, both reported in their goal state
  local out
  out=$(as_pg pg_autoctl show state --pgdata "$HA_DIR/monitor" 2>/dev/null) || return 1
  echo "$out" | grep -Eq '\|\s+primary\s+\|\s+primary\s*$' && echo "$out" | grep -Eq '\|\s+secondary\s+\|\s+secondary\s*$'
}

start() {
  mkdir -p "$HA_DIR"/{config,share,run}
  chown -R postgres:postgres "$HA_DIR"
  chmod 700 "$HA_DIR/run"
  if [ ! -d "$HA_DIR/monitor" ]; then
    as_pg pg_autoctl create monitor --pgdata "$HA_DIR/monitor" --pgport "$MONITOR_PORT" \
      --hostname 127.0.0.1 --listen 127.0.0.1 --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" >>"$HA_DIR/monitor.log" 2>&1
    cat >>"$HA_DIR/monitor/postgresql.auto.conf" <<EOF
# Seconds, not pg_auto_failover's half minute: the nodes share this machine (test/ha/cluster.sh).
pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 2000
pgautofailover.primary_demote_timeout = 3000
EOF
  fi
  run_keeper monitor
  wait_for 60 "the monitor" "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$MONITOR_PORT" -d pg_auto_failover

  for n in 1 2; do
    local name=node$n
    if [ ! -d "$HA_DIR/$name" ]; then
      # The second node's creation waits for the first to be primary, then clones it.
      as_pg pg_autoctl create postgres --pgdata "$HA_DIR/$name" --pgport "$(node_port $n)" \
        --hostname 127.0.0.1 --listen 127.0.0.1 --name "$name" --dbname "$DB" --monitor "$monitor_uri" \
        --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" >>"$HA_DIR/$name.log" 2>&1
      # A lost partner is noticed in seconds (default 20 s), matching the monitor above.
      as_pg pg_autoctl config set --pgdata "$HA_DIR/$name" timeout.network_partition_timeout 2 >/dev/null
    fi
    run_keeper "$name"
    if [ $n -eq 1 ]; then
      wait_for 90 "node1 to accept connections" "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$(node_port 1)"
    fi
  done
  wait_for 180 "a primary and a synchronous secondary" healthy

  # The application's role and database, on whichever node is primary.
  local primary_port
  primary_port=$(primary_port)
  as_pg psql -q -h 127.0.0.1 -p "$primary_port" -d "$DB" -v ON_ERROR_STOP=1 <<SQL
do \$\$ begin
  if not exists (select from pg_roles where rolname = '$APP_USER') then
    create role $APP_USER login createdb password '$APP_PASSWORD';
  end if;
end \$\$;
alter role $APP_USER createdb;
alter database $DB owner to $APP_USER;
alter schema public owner to $APP_USER;
SQL
  echo "cluster.sh: healthy; $(url)"
}

primary_port() { # the port of the node the monitor names primary
  as_pg psql -qAt -h 127.0.0.1 -p "$MONITOR_PORT" -d pg_auto_failover \
    -c "select nodeport from pgautofailover.node where goalstate in ('single', 'wait_primary', 'primary') and reportedstate = goalstate order by nodeid limit 1"
}

url() {
  echo "postgres://$APP_USER:$APP_PASSWORD@127.0.0.1:$(node_port 1),127.0.0.1:$(node_port 2)/$DB?target_session_attrs=read-write"
}

stop() {
  for name in node2 node1 monitor; do
    [ -d "$HA_DIR/$name" ] || continue
    if keeper_running "$name"; then
      as_pg pg_autoctl stop --pgdata "$HA_DIR/$name" >/dev/null 2>&1 || kill "$(cat "$HA_DIR/$name.pid")" 2>/dev/null || true
      for _ in $(seq 1 40); do keeper_running "$name" || break; sleep 0.25; done
    fi
    # A postgres left by a killed keeper.
    as_pg "$PGBIN/pg_ctl" -D "$HA_DIR/$name" -m immediate stop >/dev/null 2>&1 || true
    rm -f "$HA_DIR/$name.pid"
  done
}

descendants() { # pids...: them and all their descendants, from one ps listing (fast under load)
  ps -eo pid=,ppid= | awk -v roots="$*" '
    { parent[$1] = $2 }
    END {
      n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1
      do { added = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; added = 1 } } while (added)
      for (p in keep) print p
    }'
}

kill_node() { # name: kill -9 of the node's keeper, its postgres and every backend (a crash)
  local name=$1 keeper postmaster pids
  keeper=$(head -1 "$HA_DIR/run/pg_autoctl$HA_DIR/$name/pg_autoctl.pid" 2>/dev/null || true)
  postmaster=$(head -1 "$HA_DIR/$name/postmaster.pid" 2>/dev/null || true)
  pids=$(descendants $keeper $postmaster)
  [ -n "$pids" ] || die "$name is not running"
  # shellcheck disable=SC2086
  kill -9 $pids 2>/dev/null || true # a backend may have gone meanwhile
  rm -f "$HA_DIR/$name.pid"
}

case "${1:-}" in
  start) start ;;
  url) url ;;
  state) as_pg pg_autoctl show state --pgdata "$HA_DIR/monitor" ;;
  primary-port) primary_port ;;
  run) run_keeper "node${2:?node number}" ;;
  kill) kill_node "node${2:?node number}" ;;
  healthy) healthy ;;
  stop) stop ;;
  destroy) stop; rm -rf "$HA_DIR" ;;
  *) echo "usage: $0 start|url|state|healthy|primary-port|kill N|run N|stop|destroy" >&2; exit 2 ;;
esac
