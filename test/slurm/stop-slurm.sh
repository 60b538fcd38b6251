#!/usr/bin/env bash
# Stops the slurmd and slurmctld that test/slurm/start-slurm.sh started (by their pid files; munge is left running).
set -u
dir=${JOULESIM_SLURM_DIR:-/tmp/joulesim-slurm}
for d in slurmd slurmctld; do
  if [ -s "$dir/$d.pid" ]; then kill "$(cat "$dir/$d.pid")" 2>/dev/null || true; fi
done
