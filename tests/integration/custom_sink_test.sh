#!/usr/bin/env bash
# Installs the SDK from the build tree into a temporary prefix, builds examples/custom-sink out of
# tree against it (find_package(KalshiDirect)), loads the library into a pipeline and checks what
# it wrote. Usage: custom_sink_test.sh BUILD_DIR SOURCE_DIR KALSHI_DIRECT_BINARY
set -euo pipefail
build_dir=$1 source_dir=$2 cli=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/kalshi_direct/sdk.h"
test ! -e "$work/prefix/include/kalshi_direct/engine"   # host-side headers are not SDK
# The SDK headers compile warning-free under strict flags, included as a plugin author might
# (plain -I, not as system headers).
printf '#include "kalshi_direct/sdk.h"\n' > "$work/strict.cpp"
"${CXX:-c++}" -std=c++17 -Wall -Wextra -Werror -I"$work/prefix/include" -fsyntax-only \
  "$work/strict.cpp" || { echo "the SDK headers are not warning-free under -Wall -Wextra -Werror"; exit 1; }
cmake -S "$source_dir/examples/custom-sink" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
test -f "$work/build/libjson_lines_sink.so"
mkdir "$work/plugins"
cp "$work/build/libjson_lines_sink.so" "$work/plugins/"

printf '%s\n' '{"order_id":"o-1","price":"0.5600","count":3}' \
              '{"order_id":"o-2","price":"0.4100","count":1,"note":"a \"quoted\" word"}' > "$work/in.jsonl"
cat > "$work/pipeline.yaml" <<YAML
name: custom-sink-demo
plugin_paths: ["\${PIPELINE_DIR}/plugins"]   # the folder beside this file, wherever it is run from
source: { type: jsonl, path: $work/in.jsonl, stream: orders }
sinks:
  - { type: json_lines, path: $work/out.jsonl }
YAML

"$cli" plugins | grep -q "json_lines" && { echo "json_lines must not be registered without the plugin path"; exit 1; }
"$cli" plugins --plugin-dir "$work/plugins" | grep -q "json_lines - Appends records as JSON lines"
"$cli" run "$work/pipeline.yaml" >"$work/run.out"
expected='{"stream":"orders","order_id":"o-1","price":"0.5600","count":3}
{"stream":"orders","order_id":"o-2","price":"0.4100","count":1,"note":"a \"quoted\" word"}'
if [[ "$(cat "$work/out.jsonl")" != "$expected" ]]; then
  echo "unexpected output:"; cat "$work/out.jsonl"; exit 1
fi
# A dry run of the same pipeline publishes nothing more.
"$cli" run "$work/pipeline.yaml" --dry-run >/dev/null
[[ $(wc -l < "$work/out.jsonl") -eq 2 ]]
echo "custom sink: built against the installed SDK, loaded, wrote 2 records"
