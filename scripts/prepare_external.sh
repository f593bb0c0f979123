#!/usr/bin/env bash
# Exports the Python packages of the public implementations that baselines/external/run_external.py
# runs (OpenNLPLab/lightning-attention, fla-org/flash-linear-attention) from local bare git copies
# into the git-ignored .ext/ of this repository, so .ext can be carried to the GPU machine:
#
#   scripts/prepare_external.sh [OUT_DIR]         (default: <repo>/.ext)
#   python3 baselines/external/run_external.py --extra-path .ext ...
#
# Nothing of theirs is committed here: .ext/ is in .gitignore, and this script refuses to write into
# a folder git would track. The bare copies come from the workplace's fetch of the public repositories
# (github:OpenNLPLab/lightning-attention, github:fla-org/flash-linear-attention); point at others with
#   LA_GIT_DIR=/path/to/lightning-attention/.git FLA_GIT_DIR=/path/to/flash-linear-attention/.git
#
# fla: only fla/__init__.py, fla/ops, fla/utils and fla/modules are exported (the kernels and what
# they import). fla.layers and fla.models are left out on purpose: fla imports them only if present,
# and they pull in transformers, whose version on the GPU machine could break the import of the
# kernels that are all this benchmark uses.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo_root/.ext}"
la_git="${LA_GIT_DIR:-/work/.mirror/OpenNLPLab+lightning-attention/repo}"
fla_git="${FLA_GIT_DIR:-/work/.mirror/fla-org+flash-linear-attention/repo}"

out="$(realpath -m "$out")"
case "$out/" in
  "$repo_root"/*)
    if ! git -C "$repo_root" check-ignore -q --no-index "$out/"; then
      echo "error: $out is inside the repository but not git-ignored; refusing to put external code there" >&2
      exit 2
    fi
    ;;
esac

mkdir -p "$out"
status=0
: >"$out/SOURCES.txt.new"
# export NAME GIT_DIR UPSTREAM PATH...: the given paths of the bare repository's HEAD into $out.
export_package() {
  local name="$1" git_dir="$2" upstream="$3"
  shift 3
  if ! git --git-dir="$git_dir" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    echo "missing: $name: no git repository at $git_dir (fetch github:$upstream, or set the *_GIT_DIR variable)" >&2
    status=1
    return
  fi
  local commit
  commit="$(git --git-dir="$git_dir" rev-parse HEAD)"
  rm -rf "${out:?}/$name"
  git --git-dir="$git_dir" archive --format=tar HEAD "$@" | tar -x -C "$out"
  echo "$name github:$upstream $commit" >>"$out/SOURCES.txt.new"
  echo "exported $name from github:$upstream at $commit ($(du -sh "$out/$name" | cut -f1))"
}

export_package lightning_attn "$la_git" OpenNLPLab/lightning-attention lightning_attn
export_package fla "$fla_git" fla-org/flash-linear-attention fla/__init__.py fla/ops fla/utils fla/modules
mv "$out/SOURCES.txt.new" "$out/SOURCES.txt"

echo "in $out ($(du -sh "$out" | cut -f1) in all; a carry may hold 64 MiB):"
cat "$out/SOURCES.txt"
exit "$status"
