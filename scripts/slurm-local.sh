#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for trying and testing
# `hf render --distributed slurm`, from Debian's slurmctld, slurmd and munge.
#
#   eval "$(scripts/slurm-local.sh up)"   # installs if missing, starts, prints exports
#   scripts/slurm-local.sh down           # stops its daemons, removes its state
#
# Everything (config, munge key and socket, state, logs) lives under one
# temporary folder, HF_SLURM_DIR (default: $TMPDIR/hf-slurm-$UID); nothing
# in /etc is read or changed and no systemd is needed. Daemons are stopped
# by their own pids, never by name. `up` is idempotent: a cluster already
# up under the folder is reused. Progress goes to stderr; stdout carries
# only the `export NAME=value` lines.
set -euo pipefail

D=${HF_SLURM_DIR:-${TMPDIR:-/tmp}/hf-slurm-$(id -u)}
PKGS=(slurmctld slurmd slurm-client munge)

log() { echo "slurm-local: $*" >&2; }

install_packages() {
  local missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

alive() { local p; p=$(cat "$1" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# Two free TCP ports next to each other, so clusters of several users or
# checkouts on one machine do not collide.
free_ports() {
  local used p
  used=$(ss -Htan 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
  for p in $(seq 16817 2 16999); do
    if ! grep -qx "$p" <<<"$used" && ! grep -qx "$((p + 1))" <<<"$used"; then echo "$p"; return 0; fi
  done
  log "no free port pair in 16817-16999"; return 1
}

exports() {
  echo "export SLURM_CONF=$D/slurm.conf"
  echo "export HF_SLURM_DIR=$D"
}

write_conf() {
  local host cpus port
  host=$(hostname -s); cpus=$(nproc); port=$(free_ports)
  cat >"$D/slurm.conf" <<CONF
ClusterName=hflocal
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.sock,cred_expire=10
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=300
KillWait=5
InactiveLimit=0
Waittime=0
SchedulerParameters=kill_invalid_depend,sched_interval=2,bf_interval=1
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
}

up() {
  install_packages
  mkdir -p "$D"/{state,spool,log,munge}
  export SLURM_CONF=$D/slurm.conf
  if alive "$D/slurmctld.launcher.pid" && alive "$D/slurmd.launcher.pid" && alive "$D/munge/munged.pid"; then
    exports; return 0
  fi
  down_daemons
  [ -s "$D/munge/munge.key" ] || dd if=/dev/urandom of="$D/munge/munge.key" bs=1 count=1024 status=none
  chmod 700 "$D/munge"; chmod 400 "$D/munge/munge.key"
  munged --force --key-file="$D/munge/munge.key" --socket="$D/munge/munge.sock" \
    --pid-file="$D/munge/munged.pid" --log-file="$D/log/munged.log" --seed-file="$D/munge/seed"
  write_conf
  setsid slurmctld -D -i >"$D/log/slurmctld.out" 2>&1 </dev/null &
  echo $! >"$D/slurmctld.launcher.pid"
  setsid slurmd -D >"$D/log/slurmd.out" 2>&1 </dev/null &
  echo $! >"$D/slurmd.launcher.pid"
  for _ in $(seq 1 150); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then exports; return 0; fi
    sleep 0.2
  done
  log "the cluster did not come up; logs:"; tail -n 20 "$D"/log/*.log >&2 || true
  down_daemons; return 1
}

# Stop the daemons this folder's pid files name (jobs first), waiting for each.
down_daemons() {
  export SLURM_CONF=$D/slurm.conf
  if alive "$D/slurmctld.launcher.pid"; then
    scancel --user="$(id -un)" 2>/dev/null || true
    scontrol shutdown 2>/dev/null || true
  fi
  local f p
  for f in slurmd.launcher slurmctld.launcher munge/munged; do
    p=$(cat "$D/$f.pid" 2>/dev/null) || continue
    [ -n "$p" ] || continue
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; [ "$f" = munge/munged ] && kill "$p" 2>/dev/null; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; sleep 0.5; kill -9 "$p" 2>/dev/null || true; fi
    rm -f "$D/$f.pid"
  done
}

down() {
  [ -d "$D" ] || return 0
  down_daemons
  rm -rf "$D"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down   (state under \$HF_SLURM_DIR, default ${TMPDIR:-/tmp}/hf-slurm-\$UID)" >&2; exit 2 ;;
esac
