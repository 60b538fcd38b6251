#!/usr/bin/env bash
# The exact command lines used on the lent GPU machine for the checked-in measurements (one phase per call).
#   bash calibration/harness/device_session.sh smoke|eager-measure|eager-validate|paged
# Results go to $RES (default /tmp/res) and are packed into $OUT/<phase>.tgz at the end of the phase; each step has
# its own timeout so the packing always happens inside the machine's 10-minute limit.
set -u
PHASE=${1:?phase}
RES=${RES:-/tmp/res}
OUT=${OUT:-/tmp/out}
H=calibration/harness
W=calibration/validation/workloads
export PYTHONUNBUFFERED=1
mkdir -p "$RES" "$OUT"
cd "$(dirname "$0")/../.."

case "$PHASE" in
smoke)
  nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,clocks.sm,clocks.mem,memory.used,memory.total --format=csv
  python3 -m pip show transformers torch nvidia-ml-py 2>/dev/null | grep -E "^(Name|Version|Location)"
  python3 -c "import flash_attn" 2>&1 | tail -1; python3 -c "import kernels" 2>&1 | tail -1
  TF=$(python3 -c "import transformers, os; print(os.path.dirname(transformers.__file__))")
  echo "transformers at $TF"; ls "$TF/generation/continuous_batching"
  tar czf "$OUT/cb_source.tgz" -C "$TF" generation/continuous_batching generation/configuration_utils.py \
      integrations/sdpa_paged.py integrations/eager_paged.py integrations/flash_paged.py
  (cd "$TF" && md5sum generation/continuous_batching/*.py integrations/sdpa_paged.py) > "$RES/cb_source.md5"
  timeout 75 python3 $H/measure.py --stack hf-eager --quick --out "$RES/m" --budget-s 55
  timeout 70 python3 $H/measure.py --stack hf-paged --quick --out "$RES/m" --budget-s 50
  timeout 45 python3 $H/validate_run.py --stack hf-eager --workload $W/smoke-8.csv --batch-size 4 --mode offline \
      --out "$RES/v/smoke-eager" --repeats 1 --idle-s 2
  timeout 50 python3 $H/validate_run.py --stack hf-paged --workload $W/smoke-8.csv --mode online \
      --arrival-span-s 2 --out "$RES/v/smoke-paged-online" --repeats 1 --idle-s 2
  ;;
eager-measure)
  timeout 60 python3 $H/sdpa_probe.py --out "$RES/probe"
  timeout 520 python3 $H/measure.py --model llama-3.1-8b --stack hf-eager --out "$RES/m" --budget-s 470
  ;;
eager-validate)
  # mixed-length records (not reached by the eager-measure call), then the static-batch validation runs; every
  # validation run first serves its workload once untimed (--warmup full, recorded as cold_pass) so the timed
  # repeats run warm: torch's default cuDNN attention builds a plan the first time each shape appears.
  timeout 65 python3 $H/measure.py --model llama-3.1-8b --stack hf-eager --only mixed --out "$RES/m" \
      --budget-s 55 --idle-s 5
  timeout 235 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-conv-48.csv --batch-size 8 \
      --mode offline --warmup full --repeats 2 --budget-s 225 --idle-s 6 --out "$RES/v/hf-eager-static-b8-azure-conv"
  timeout 130 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-code-48.csv --batch-size 8 \
      --mode offline --warmup full --repeats 2 --budget-s 122 --idle-s 6 --out "$RES/v/hf-eager-static-b8-azure-code"
  timeout 155 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-conv-48.csv --batch-size 16 \
      --mode offline --warmup full --repeats 2 --budget-s 148 --idle-s 6 --out "$RES/v/hf-eager-static-b16-azure-conv"
  ;;
paged)
  # the mixed b16 record the eager-validate call had no time left for, then hf-paged (library defaults)
  timeout 50 python3 $H/measure.py --model llama-3.1-8b --stack hf-eager --only mixed --batches 16 \
      --out "$RES/m" --budget-s 42 --idle-s 4
  timeout 235 python3 $H/measure.py --model llama-3.1-8b --stack hf-paged --out "$RES/m" --budget-s 220
  timeout 110 python3 $H/validate_run.py --stack hf-paged --workload $W/azure-conv-48.csv --mode offline \
      --warmup full --repeats 2 --budget-s 100 --idle-s 6 --out "$RES/v/hf-paged-offline-azure-conv"
  timeout 160 python3 $H/validate_run.py --stack hf-paged --workload $W/azure-conv-48.csv --mode online \
      --arrival-span-s "${SPAN:-30}" --repeats 2 --budget-s 150 --idle-s 6 --out "$RES/v/hf-paged-online-azure-conv"
  ;;
padded)
  # more padded (masked) hf-eager batches, so the masked attention path's cost is fitted on more than two points
  timeout 420 python3 $H/measure.py --model llama-3.1-8b --stack hf-eager --only mixed --mixed-batches 2,4,8,16,32 \
      --mixed-outputs 32,128 --mixed-draws 2 --out "$RES/m" --budget-s 380 --idle-s 5
  ;;
mechanisms)
  timeout 540 python3 $H/measure_mechanisms.py --out "$RES/mech" --budget-s 480
  ;;
h200-kernels)
  # H200 call 1: environment, the continuous-batching config's fields, a smoke of the profiled grid, then the
  # hf-eager kernel-class grid (uniform, padded, mixed, prefill; one torch.profiler execution per point)
  nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,clocks.sm,clocks.mem,memory.used,memory.total --format=csv
  python3 - <<'PY' > "$RES/cb_config.txt" 2>&1
import inspect, transformers
from transformers.generation.configuration_utils import ContinuousBatchingConfig
print(transformers.__version__)
print(inspect.signature(ContinuousBatchingConfig))
src = inspect.getsource(ContinuousBatchingConfig)
print("\n".join(l for l in src.splitlines() if "cuda_graph" in l or "memory_percent" in l or "def " in l))
PY
  timeout 80 python3 $H/measure.py --stack hf-eager --quick --profile-kernels --out "$RES/smoke" --budget-s 60 --idle-s 2 \
    && timeout 440 python3 $H/measure.py --model llama-3.1-8b --stack hf-eager --grid kernel --profile-kernels \
         --window-s 1.5 --out "$RES/m" --budget-s 415 --idle-s 8
  ;;
h200-eager)
  # H200 call 2: the kernel-class grid again with the device-timeline classifier (one window per point, profiled
  # execution of prefill + 3 decode steps), then the static-batch validation runs at batch 8 and 16
  timeout 350 python3 $H/measure.py --model llama-3.1-8b --stack hf-eager --grid kernel --profile-kernels \
      --windows 1 --window-s 1.5 --out "$RES/m" --budget-s 325 --idle-s 6
  timeout 125 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-conv-48.csv --batch-size 8 \
      --mode offline --warmup full --repeats 2 --budget-s 115 --idle-s 5 --out "$RES/v/hf-eager-static-b8-azure-conv-h200"
  timeout 95 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-conv-48.csv --batch-size 16 \
      --mode offline --warmup full --repeats 2 --budget-s 85 --idle-s 5 --out "$RES/v/hf-eager-static-b16-azure-conv-h200"
  ;;
h200-grid-paged)
  # H200 call 3 (the last of the session's device time): the kernel-class grid, then hf-paged with CUDA graphs off
  # (library default) and on (max_memory_percent 0.5 leaves room for the graphs' private pools), then the hf-paged
  # offline validation run
  timeout 280 python3 $H/measure.py --model llama-3.1-8b --stack hf-eager --grid kernel --profile-kernels \
      --windows 1 --window-s 1.2 --out "$RES/m" --budget-s 250 --idle-s 5
  timeout 90 python3 $H/measure.py --model llama-3.1-8b --stack hf-paged --batches 8,32 --inputs 1024 \
      --profile-kernels --out "$RES/paged-graphs-off" --budget-s 70 --idle-s 3
  timeout 95 python3 $H/measure.py --model llama-3.1-8b --stack hf-paged --batches 8,32 --inputs 1024 \
      --cb-cuda-graphs on --cb-max-memory-percent 0.5 --profile-kernels --out "$RES/paged-graphs-on" --budget-s 75 --idle-s 3
  timeout 80 python3 $H/validate_run.py --stack hf-paged --workload $W/azure-conv-48.csv --mode offline \
      --warmup full --repeats 1 --budget-s 70 --idle-s 3 --out "$RES/v/hf-paged-offline-azure-conv-h200"
  ;;
h200-s2-eager)
  # Session 2, call A: the hf-eager decode/padded/mixed grid (16 profiled decode steps per point, so decode attention
  # is seen on its own) and the static validation runs at batch 8 and 16 IN THE SAME PROCESS MACHINE, so that the
  # profile's host terms and the runs they are checked against share one host CPU (docs/COST-MODEL.md); every file's
  # environment carries a host_probe (launch and interpreter speed) to compare hosts across calls.
  nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,clocks.sm,clocks.mem,memory.used,memory.total --format=csv
  lscpu | grep -E "Model name|^CPU\(s\)|MHz" > "$RES/lscpu.txt"
  timeout 235 python3 $H/measure.py --model llama-3.1-8b --stack hf-eager --grid kernel --only decode,padded,mixed \
      --inputs 512,2048 --profile-kernels --profile-output 16 --windows 1 --window-s 1.0 --out "$RES/m" \
      --budget-s 215 --idle-s 4
  timeout 150 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-conv-48.csv --batch-size 8 \
      --mode offline --warmup full --repeats 2 --budget-s 140 --idle-s 4 --out "$RES/v/hf-eager-static-b8-azure-conv-h200-s2"
  timeout 115 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-conv-48.csv --batch-size 16 \
      --mode offline --warmup full --repeats 2 --budget-s 105 --idle-s 4 --out "$RES/v/hf-eager-static-b16-azure-conv-h200-s2"
  ;;
h200-s2-paged)
  # Session 2, call B: hf-paged (graphs off, library defaults) at three batches and two prompt lengths, a cold and a
  # warm run each, then the offline and online validation runs on the same machine; then fp8 GEMMs (issue 14) and
  # the torch.compile probe, each bounded in time.
  lscpu | grep -E "Model name|^CPU\(s\)|MHz" > "$RES/lscpu.txt"
  timeout 170 python3 $H/measure.py --model llama-3.1-8b --stack hf-paged --batches 4,16,32 --inputs 512,2048 \
      --paged-runs cold,warm --profile-kernels --window-s 1.0 --out "$RES/m" --budget-s 155 --idle-s 4
  timeout 90 python3 $H/validate_run.py --stack hf-paged --workload $W/azure-conv-48.csv --mode offline \
      --warmup full --repeats 2 --budget-s 80 --idle-s 3 --out "$RES/v/hf-paged-offline-azure-conv-h200-s2"
  timeout 110 python3 $H/validate_run.py --stack hf-paged --workload $W/azure-conv-48.csv --mode online \
      --arrival-span-s 20 --repeats 2 --budget-s 100 --idle-s 3 --out "$RES/v/hf-paged-online-azure-conv-h200-s2"
  timeout 45 python3 $H/fp8_gemm.py --out "$RES/fp8" --budget-s 35
  timeout 130 python3 $H/compile_probe.py --out "$RES/compile" --shapes 1x512x64,8x512x64 --budget-s 120
  ;;
h200-s2-paged-again)
  # Session 2, call C: call B's hf-paged grid measured nothing (its --batches/--inputs filtered the default grid to
  # empty; the harness now takes them as the grid). The grid and both hf-paged validation runs again, on one machine.
  lscpu | grep -E "Model name|^CPU\(s\)|MHz" > "$RES/lscpu.txt"
  timeout 175 python3 $H/measure.py --model llama-3.1-8b --stack hf-paged --batches 4,16,32 --inputs 512,2048 \
      --paged-runs cold,warm --profile-kernels --window-s 1.0 --out "$RES/m" --budget-s 160 --idle-s 4
  timeout 85 python3 $H/validate_run.py --stack hf-paged --workload $W/azure-conv-48.csv --mode offline \
      --warmup full --repeats 2 --budget-s 75 --idle-s 3 --out "$RES/v/hf-paged-offline-azure-conv-h200-s2c"
  timeout 100 python3 $H/validate_run.py --stack hf-paged --workload $W/azure-conv-48.csv --mode online \
      --arrival-span-s 20 --repeats 2 --budget-s 90 --idle-s 3 --out "$RES/v/hf-paged-online-azure-conv-h200-s2c"
  ;;
h200-s2-paged-shapes)
  # Session 2, call E (a fresh VM): more hf-paged shapes, so the stack's class powers are fitted on more than four
  # warm shapes (docs/COST-MODEL.md); host time stays fitted on the validation machine's records (--host-from).
  lscpu | grep -E "Model name|^CPU\(s\)|MHz" > "$RES/lscpu.txt"
  timeout 330 python3 $H/measure.py --model llama-3.1-8b --stack hf-paged --batches 8,64,16,32 --inputs 2048,512 \
      --paged-runs cold,warm --profile-kernels --window-s 1.0 --out "$RES/m" --budget-s 315 --idle-s 3
  ;;
h200-s3-host)
  # Session 3 (a fresh VM): what makes eager host time jitter (host_jitter.py: per-step times under Python's GC off,
  # one torch thread, and again; CPU steal from /proc/stat), then the static validation runs at batch 8 and 16 with
  # three repeats each and a host probe and steal reading per repeat: a third machine for the spread of each run.
  lscpu | grep -E "Model name|^CPU\(s\)|MHz" > "$RES/lscpu.txt"
  timeout 170 python3 $H/host_jitter.py --out "$RES/jitter" --budget-s 140
  timeout 190 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-conv-48.csv --batch-size 8 \
      --mode offline --warmup full --repeats 3 --budget-s 180 --idle-s 4 --out "$RES/v/hf-eager-static-b8-azure-conv-h200-s3"
  timeout 130 python3 $H/validate_run.py --stack hf-eager --workload $W/azure-conv-48.csv --batch-size 16 \
      --mode offline --warmup full --repeats 3 --budget-s 120 --idle-s 4 --out "$RES/v/hf-eager-static-b16-azure-conv-h200-s3"
  ;;
*) echo "unknown phase $PHASE"; exit 2 ;;
esac
tar czf "$OUT/$PHASE.tgz" -C "$RES" .
ls -la "$OUT"
