#!/usr/bin/env bash
# The shell completions (tools/packaging/completion/) parse, and bash's completes what a user types:
# the commands, the shipped pipeline names after `run`, a command's flags, `config show`.
# usage: completion_test.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
bash_file=$src/tools/packaging/completion/kalshi-direct.bash
zsh_file=$src/tools/packaging/completion/_kalshi-direct
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
check "bash parses the bash completion" bash -n "$bash_file"
if command -v zsh >/dev/null; then
  check "zsh parses the zsh completion" zsh -n "$zsh_file"
else
  echo "skipped: zsh not installed"
fi

# What bash offers for the words typed so far (the last one being completed).
complete_words() {
  KALSHI_DIRECT_PIPELINES="$src/pipelines" bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _kalshi_direct kalshi-direct "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_file" "$@"
}
has() {  # has WORD OFFERED...
  local word=$1
  shift
  printf '%s\n' "$@" | grep -qx -- "$word"
}
mapfile -t offered < <(complete_words kalshi-direct "")
for command in run validate plugins report positions serve config init; do
  check "a command: $command" has "$command" "${offered[@]}"
done
mapfile -t offered < <(complete_words kalshi-direct run "")
for pipeline in sync backfill live; do
  check "a pipeline after run: $pipeline" has "$pipeline" "${offered[@]}"
done
mapfile -t offered < <(complete_words kalshi-direct run sync --d)
for flag in --db --days --dry-run; do
  check "a flag of run: $flag" has "$flag" "${offered[@]}"
done
mapfile -t offered < <(complete_words kalshi-direct config "")
check "config show" has show "${offered[@]}"
mapfile -t offered < <(complete_words kalshi-direct serve --)
check "a flag of serve: --sync-every" has --sync-every "${offered[@]}"
if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "completion checks passed"
