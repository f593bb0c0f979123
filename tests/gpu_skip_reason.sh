#!/bin/sh
# Run by ctest after the tests (CTEST_CUSTOM_POST_TEST): says once why the GPU tests were skipped,
# since ctest lists skipped tests without the reason their output gave.
lasuite=$1
if [ ! -x "$lasuite" ]; then
  echo "GPU tests: cannot tell (no $lasuite)"
  exit 0
fi
reasons=$("$lasuite" list 2>/dev/null | awk -F'|' '$3 ~ /cuda/ && $9 ~ /no:/ { sub(/^ *no: */, "", $9); sub(/ *$/, "", $9); print $9 }' | sort -u)
if [ -z "$reasons" ]; then
  echo "GPU tests: a GPU is usable here, so they ran (none skipped for want of one)"
else
  echo "GPU tests listed as Skipped above did not run, because: $reasons"
fi
