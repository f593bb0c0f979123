#!/usr/bin/env bash
# Session 40's second call, on whichever card comes: on an H200 session 37's aligned-handovers A/B (run1.sh, measured
# only on an H100 so far, in session 39: d128 forward 0-0.9 %), elsewhere the backward's stall profile
# (profile_backward.sh), which the call after it runs on an H200. Carries .dev/s40/base (main's tree) for the A/B.
if nvidia-smi --query-gpu=name --format=csv,noheader | grep -q H200; then
  CALL=call2 bash results/h200/scripts_s37/run1.sh
else
  CALL=call2 bash results/h200/scripts_s40/profile_backward.sh
fi
