#!/usr/bin/env bash
# Session 12 call 3 (nothing else on the GPU while timing): (1) A/B of la2 at d = 128 and d = 64, before
# the in-place head dims (B: 19b5488's kernels) and after (A: the merge, 2f0818d + la2_sp), two rounds;
# (2) la2 at the head-dim bar shapes, forward and forward+backward; (3) bench --gpus 1 (la2 over NCCL,
# a world of one) at 256k..2M; (4) racecheck of la2_sp with two thread ranks (call 2's three ranks hit
# the sanitizer's "failure to track a kernel launch" and its 90 s limit).
set -uo pipefail
R=/tmp/res; mkdir -p $R/san; A=/tmp/a; Bb=/tmp/b; mkdir -p $A/tests $Bb
finish() { tar czf $OUT/s12_call3.tgz -C /tmp res; }
trap finish EXIT
gunzip -c .dev/s12/m/lasuite.gz > $Bb/lasuite; gunzip -c .dev/s12/a/lasuite.gz > $A/lasuite; gunzip -c .dev/s12/a/lasuite_tests.gz > $A/tests/lasuite_tests
chmod +x $Bb/lasuite $A/lasuite $A/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
B="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --no-ceilings"
for round in 1 2; do for x in b a; do D=/tmp/$x; [[ $x == b ]] && D=$Bb
  timeout 40 $D/lasuite $B --seqlen 16k,128k --heads 32 --dim 128 --json $R/ab_d128_${x}_r$round.json > $R/ab_d128_${x}_r$round.log 2>&1
  timeout 40 $D/lasuite $B --seqlen 64k --heads 32 --dim 64 --json $R/ab_d64_${x}_r$round.json > $R/ab_d64_${x}_r$round.log 2>&1
  echo "round $round $x"; grep -hE "^\| la2" $R/ab_d*_${x}_r$round.log | cut -c1-100
done; done
echo "== head-dim shapes $(date +%T)"
hd() { timeout 60 $A/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 16k,128k --heads $3 --dim $1 --dim-v $2 \
  --json $R/la2_d$1_e$2_h$3.json > $R/la2_d$1_e$2_h$3.log 2>&1; grep -hE "^\| la2" $R/la2_d$1_e$2_h$3.log | cut -c1-130; }
hd 96 96 42; hd 192 192 21; hd 256 256 16; hd 128 256 16
echo "== bench --gpus 1 $(date +%T)"
timeout 150 $A/lasuite bench --gpus 1 --seqlen 256k,1m,2m --json $R/gpus1_weak.json > $R/gpus1.log 2>&1; echo "gpus1 rc=$?"; tail -9 $R/gpus1.log
echo "== racecheck la2_sp $(date +%T)"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=200
source scripts/sanitizer_run.sh
sanitizer_run racecheck sp_bf16_2ranks $A/lasuite verify --device cuda --skip-defaults --state --impl la2_sp --dtype bf16 --long 200 --long-heads 1 --dim 64 --impl-option ranks=2
echo "end $(date +%T)"
