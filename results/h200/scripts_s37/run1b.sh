#!/usr/bin/env bash
# Session 37, not run: which side of the meeting should leave first in the output step. aligned_handovers.patch
# has the output warpgroup pace (it leaves the meeting first; the state warpgroup leaves a barrier's wake-up
# later), because ncu has the state warpgroup waiting for the output warpgroup; state_paces.patch (over it) flips
# the two sides (kOutputSide, kStateSide: one line). Built beside each other, the A/B alternated twice: b1 h32 d128
# 4k..128k, d64 n64k, b8 n8k, forward and forward+backward. Predicted: the output warpgroup pacing 0-1 % ahead
# (the wake-up then sits on the shorter chain), the same at d64 (two blocks an SM hide it). For the session that
# runs run1.sh, where its time allows or run1.sh's rows show no gain.
# Run as `SESSION=sNN COMMIT=<main> bash results/h200/scripts_s37/run1b.sh` (no base tree to carry: it makes one).
rm -rf /tmp/ho_tree && mkdir -p /tmp/ho_tree && tar -c --exclude=./.dev --exclude=./build . | tar -x -C /tmp/ho_tree
(cd /tmp/ho_tree && patch -s -p1 < results/h200/scripts_s37/aligned_handovers.patch) || { echo "the patch does not apply"; exit 1; }
patch -s -p1 < results/h200/scripts_s37/aligned_handovers.patch && patch -s -p1 < results/h200/scripts_s37/state_paces.patch ||
  { echo "the patches do not apply"; exit 1; }
CALL=${CALL:-call1b} TARGETS="lasuite"
source scripts/device_call_prelude.sh
build_beside /tmp/ho_tree
[[ -x $B/lasuite_base ]] || { echo "no base build"; exit 1; }
# lasuite: the state warpgroup paces; lasuite_base: the output one
ab_rounds "d128 --seqlen 4k,16k,64k,128k --heads 32 --dim 128" "d64 --seqlen 64k --heads 32 --dim 64" \
  "b8 --batch 8 --seqlen 8k --heads 32 --dim 128"
