#!/usr/bin/env bash
# The layers docs/portability.md calls portable still compile for Windows: the SDK's value
# headers and the accounting model, with the MinGW-w64 cross compiler (-fsyntax-only, warnings as
# errors). A POSIX header or a GCC-only construct creeping into them fails here, before it
# reaches a Windows port. Skipped (77) without the cross compiler (tools/deps.sh installs it for
# tools/test.sh).
# usage: portable_layers_test.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
compiler=x86_64-w64-mingw32-g++-posix
if ! command -v "$compiler" >/dev/null; then
  echo "skipped: $compiler not installed (apt-get install g++-mingw-w64-x86-64-posix)"
  exit 77
fi
mingw=("$compiler" -std=c++17 -fsyntax-only -Wall -Wextra -Werror -I"$src/core/include" -I"$src/plugins")
status=0
headers=(decimal.h record.h timestamp.h status.h json_writer.h config.h)
if printf '#include "kalshi_direct/%s"\n' "${headers[@]}" | "${mingw[@]}" -x c++ -; then
  echo "ok: core/include/kalshi_direct/{${headers[*]}}"
else
  echo "FAILED: the SDK's value headers do not compile for Windows"
  status=1
fi
if "${mingw[@]}" "$src/plugins/kalshi/accounting.cpp"; then
  echo "ok: plugins/kalshi/accounting.cpp"
else
  echo "FAILED: plugins/kalshi/accounting.cpp does not compile for Windows"
  status=1
fi
exit $status
