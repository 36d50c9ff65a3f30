#!/usr/bin/env bash
# Formats the project's C++ sources with its .clang-format (clang-format 14, Debian's).
#   tools/format.sh           rewrite every tracked .cpp/.h in place
#   tools/format.sh --check   change nothing; list the files clang-format would change, exit 1 if any
# tools/test.sh runs the check (ctest: format_check), so drift fails the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=${CLANG_FORMAT:-clang-format}
if ! command -v "$formatter" >/dev/null; then
  echo "format: $formatter not found; install it: apt-get install clang-format (tools/deps.sh does)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files -- '*.cpp' '*.h' 2>/dev/null || find core plugins tests tools examples -name '*.cpp' -o -name '*.h')
if [[ ${1:-} != --check ]]; then
  "$formatter" -i "${files[@]}"
  exit 0
fi
# One clang-format for all files; each difference is reported as "file:line:col: error: ...".
mapfile -t unclean < <("$formatter" --dry-run "${files[@]}" 2>&1 |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: \(warning\|error\): code should be clang-formatted.*/\1/p' | sort -u)
if [[ ${#unclean[@]} -gt 0 ]]; then
  printf 'format: not formatted: %s\n' "${unclean[@]}" >&2
  echo "format: ${#unclean[@]} file(s) differ from .clang-format; run tools/format.sh" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
