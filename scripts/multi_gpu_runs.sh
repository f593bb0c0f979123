#!/usr/bin/env bash
# The runs issue 19's bars are set on, for a machine with N >= 2 GPUs of one host (nvidia-h200-x2, -x4,
# -x8): la2 over N GPUs (bench --gpus, each GPU holding its part) at h32 d = e = 128 bf16 ALiBi,
# forward+backward; and la2_sp verified over N processes against the float64 reference on sampled heads.
# Results go to OUTDIR; every launch keeps NVLink multicast off.
#   scripts/multi_gpu_runs.sh N OUTDIR [path/to/lasuite]
# What each bar reads (README "Several GPUs"): weak scaling = per_gpu_rate_over_alone of the weak rows
# (>= 0.95 at 1M a GPU); strong scaling = the 2M row's tokens_per_s on N GPUs over bench --gpus 1's at
# 2M (>= 1.9x on 2); comm_share at 1M a GPU (<= 3 %); the longest sequence = the strong rows at 2M N
# (4M on 2, 8M on 4, 16M on 8) coming out ok. Verify holds the whole tensors on every GPU (8 GiB a head
# at 4M), so it runs the longest length at 8 heads, 2 of them compared.
set -uo pipefail
N=${1:?number of GPUs}; OUT=${2:?output folder}; L=${3:-build/lasuite}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() { echo "== $* $(date +%T)"; "$@"; echo "rc=$?"; }
LONGEST=$((2 * N))m
run "$L" bench --gpus 1 --seqlen 1m,2m --mode fwdbwd --json "$OUT/gpus1.json"
run mpirun -np "$N" "$L" bench --gpus "$N" --scaling weak --seqlen 1m --mode fwd,fwdbwd --json "$OUT/gpus${N}_weak_1m.json"
run mpirun -np "$N" "$L" bench --gpus "$N" --scaling strong --seqlen 2m,$LONGEST --mode fwdbwd --json "$OUT/gpus${N}_strong.json"
run mpirun -np "$N" "$L" bench --gpus "$N" --scaling strong --seqlen 2m --mode fwdbwd --impl-option exchange=ring \
  --json "$OUT/gpus${N}_strong_ring.json"
run mpirun -np "$N" "$L" verify --device cuda --impl la2_sp --impl-option comm=nccl --json "$OUT/verify_sp_nccl${N}.json"
run mpirun -np "$N" "$L" verify --device cuda --impl la2_sp --impl-option comm=nccl --skip-defaults --state \
  --long 1m,$LONGEST --long-heads 8 --sample-heads 2 --dtype bf16 --json "$OUT/verify_sp_nccl${N}_long.json"
