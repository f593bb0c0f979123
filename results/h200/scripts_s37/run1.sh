#!/usr/bin/env bash
# Written in session 37 (no device was lent); run in session 39 on an H100 (results/h100/s39/call1_*: d128 forward 0-0.9 %,
# the patch not kept; NOTES "Session 39"). The first call of a session with a device: aligned_handovers.patch over main, built beside main, then
#  1. the mechanism: per kernel, the SASS counts of the convergence regions (BSSY, BSYNC), WARPSYNC, branches
#     and barriers (BAR.SYNC, BAR.ARV) of both builds (cuobjdump). Built here, where no disassembler is, the
#     instructions' opcode fields of the d128 forward kernel went 31 -> 24 BSSY and BSYNC, 174 -> 156 BRA,
#     22 -> 11 BAR.SYNC and 0 -> 8 BAR.ARV, 17 -> 11 of the opcode taken for WARPSYNC, 5,600 -> 5,488 instructions
#     (scripts/cubin_compare.py; NOTES, "Session 37"): cuobjdump names them;
#  2. synccheck, the legality of the aligned forms: on a one-pass d128 case (both hand-overs of the strips
#     apart) and a d64 f16 one-pass case;
#  3. la2's GPU tests;
#  4. the A/B, alternated twice: b1 h32 d128 4k..128k, b1 h32 d64 n64k, b8 h32 d128 n8k, forward and
#     forward+backward (issue 14's shapes), and 192 x 192 h21 at 4k and 128k (a value-tiled step); a row not
#     started by 560 s is logged as skipped (the call's limit is 600 s).
# Predicted: the forward at d = 128 1-3 % faster at every length (session 9's aligned bar.sync ran 2.2-4.6 % ahead
# of the unaligned barrier.sync, with 13 against 20 BSSY; part of that is back), forward+backward 1-2 %, d64 and
# 192 0-1 %; synccheck clean (each barrier generation's waiters at one instruction). run2.sh verifies it.
# Run as `SESSION=sNN COMMIT=<main> bash results/h200/scripts_s37/run1.sh`, with .dev/$SESSION/base = main's tree
# (git archive HEAD CMakeLists.txt LICENSE README.md baselines cmake examples harness kernels plots reference scripts
# tests | tar -x -C .dev/$SESSION/base) carried.
patch -s -p1 < results/h200/scripts_s37/aligned_handovers.patch || { echo "the patch does not apply"; exit 1; }
CALL=${CALL:-call1} TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
build_beside .dev/$SESSION/base
[[ -x $B/lasuite_base ]] || { echo "no base build"; exit 1; }
sass_counts() {  # binary: one line per bf16 wgmma or pingpong kernel of the sm_90a image, its template arguments and counts
  cuobjdump -sass "$1" | awk '
    /code for sm_/ { arch = $3 }
    /Function :/ { fn = $3; next }
    /^[ \t]+\/\*[0-9a-f]+\*\// {
      if (arch != "sm_90a" || fn !~ /bfloat16/ || fn !~ /la2_wgmma_kernel|la2_pingpong/) next
      n[fn]++
      if ($0 ~ /BSSY/) bssy[fn]++; if ($0 ~ /BSYNC/) bsync[fn]++; if ($0 ~ /WARPSYNC/) ws[fn]++
      if ($0 ~ / BRA[ .]/) bra[fn]++; if ($0 ~ /BAR\.SYNC/) bs[fn]++; if ($0 ~ /BAR\.ARV/) ba[fn]++
    }
    END { for (f in n) { s = f; if (s ~ /pingpong/) s = "pingpong"; else { sub(/.*bfloat16/, "", s); sub(/EEvN.*/, "", s) }
      printf "%-40s n=%d BSSY=%d BSYNC=%d WARPSYNC=%d BRA=%d BAR.SYNC=%d BAR.ARV=%d\n", s, n[f], bssy[f], bsync[f], ws[f], bra[f], bs[f], ba[f] } }' | sort
}
sass_counts $B/lasuite_base > $R/sass_base.txt; sass_counts $B/lasuite > $R/sass_patch.txt; el "SASS counts"
echo "d128 forward (one output warpgroup, TMA), base then patch:"; grep -h "^Li128ELi128ELb1ELb0ELb0ELi1ELi128E " $R/sass_base.txt $R/sass_patch.txt
one_pass_cases() {
  local V=$SAN_VERIFY
  sanitizer_run $1 d128_one_pass_bf16 $B/lasuite $V --state --dtype bf16 --long 999 --dim 128 --impl-option segments=4 --impl-option one_pass=all
  sanitizer_run $1 d64_one_pass_f16 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=4 --impl-option one_pass=all
}
SAN_TOOLS=synccheck SAN_TIMEOUT=60 sanitize_four one_pass_cases; cat $R/sanitize.log
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
BENCH_DEADLINE=560 ab_rounds "d128 --seqlen 4k,16k,64k,128k --heads 32 --dim 128" "d64 --seqlen 64k --heads 32 --dim 64" \
  "b8 --batch 8 --seqlen 8k --heads 32 --dim 128" "d192 --seqlen 4k,128k --heads 21 --dim 192"
