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
test -f "$work/build/libtally_sink.so"
mkdir "$work/plugins"
cp "$work/build/libjson_lines_sink.so" "$work/build/libtally_sink.so" "$work/plugins/"

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

# The store sink: counts land in the pipeline's store, in the same transaction as the source's
# state, so a re-run of the same input counts nothing twice.
printf '%s\n' '{"id":"f-1","ticker":"A"}' '{"id":"f-2","ticker":"B"}' '{"id":"f-3","ticker":"A"}' > "$work/fills.jsonl"
cat > "$work/tally.yaml" <<YAML
name: tally-demo
plugin_paths: ["\${PIPELINE_DIR}/plugins"]
source: { type: jsonl, path: $work/fills.jsonl, stream: fills, resume: true }
sinks:
  - { type: tally, path: $work/tally.db, by: ticker }
YAML
"$cli" run "$work/tally.yaml" >"$work/tally.out"
"$cli" run "$work/tally.yaml" >>"$work/tally.out"
counts=$(sqlite3 "$work/tally.db" "SELECT value || '=' || records FROM tally ORDER BY value" | tr '\n' ' ')
if [[ "$counts" != "A=2 B=1 " ]]; then
  echo "tally: unexpected counts after two runs: $counts"; cat "$work/tally.out"; exit 1
fi
state=$(sqlite3 "$work/tally.db" "SELECT count(*) FROM kd_state WHERE scope = 'tally-demo'")
[[ $state -gt 0 ]] || { echo "tally: the source state is not in the store it describes"; exit 1; }
# A bad table name is a configuration error naming the place.
sed 's/by: ticker }/by: ticker, table: "no such" }/' "$work/tally.yaml" > "$work/bad.yaml"
set +e
"$cli" validate "$work/bad.yaml" 2>"$work/bad.err"; code=$?
set -e
[[ $code -eq 2 ]] || { echo "tally: bad table name: exit $code, want 2"; exit 1; }
grep -q "bad.yaml:.*'no such' is not a table name" "$work/bad.err" || { cat "$work/bad.err"; exit 1; }
# A built-in, rebuilt as a drop-in: the csv sink's own sources compile against the installed SDK
# alone (nothing of the engine), under a shim that registers it as csv_dropin; it writes exactly
# what the built-in writes.
mkdir "$work/csv-dropin"
cat > "$work/csv_dropin.cpp" <<'CPP'
#include <kalshi_direct/sdk.h>

#include <memory>

namespace kalshi_direct {
namespace builtin {
Status register_sink_csv(PluginRegistrar& registrar);
}  // namespace builtin
}  // namespace kalshi_direct

namespace {
using namespace kalshi_direct;
// The built-in's factory under another name (the built-in csv keeps its own).
class Renamed final : public SinkFactory {
 public:
  explicit Renamed(std::unique_ptr<SinkFactory> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return "csv_dropin"; }
  std::string description() const override { return inner_->description(); }
  std::vector<OptionSpec> options() const override { return inner_->options(); }
  std::vector<StoreTables> tables(const Options& o) const override { return inner_->tables(o); }
  std::vector<std::string> defaultInputs(const Options& o) const override {
    return inner_->defaultInputs(o);
  }
  std::vector<FieldReference> referencedFields(const Options& o) const override {
    return inner_->referencedFields(o);
  }
  Status create(const Options& o, SinkPtr& out) const override { return inner_->create(o, out); }

 private:
  std::unique_ptr<SinkFactory> inner_;
};
class Capture final : public PluginRegistrar {
 public:
  explicit Capture(PluginRegistrar& target) : target_(target) {}
  Status addSource(std::unique_ptr<SourceFactory>) override { return Status::failed("no"); }
  Status addTransform(std::unique_ptr<TransformFactory>) override { return Status::failed("no"); }
  Status addModel(std::unique_ptr<ModelFactory>) override { return Status::failed("no"); }
  Status addSink(std::unique_ptr<SinkFactory> f) override {
    return target_.addSink(std::make_unique<Renamed>(std::move(f)));
  }

 private:
  PluginRegistrar& target_;
};
Status registerCsvDropin(PluginRegistrar& registrar) {
  Capture capture(registrar);
  return builtin::register_sink_csv(capture);
}
}  // namespace

KALSHI_DIRECT_PLUGIN("csv_dropin", "1.0.0", registerCsvDropin)
CPP
if ! "${CXX:-c++}" -std=c++17 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
     -I"$work/prefix/include" -I"$source_dir/plugins/sinks/csv" \
     "$source_dir/plugins/sinks/csv/csv_sink.cpp" "$source_dir/plugins/sinks/csv/plugin.cpp" \
     "$work/csv_dropin.cpp" -o "$work/csv-dropin/libcsv_dropin.so" 2>"$work/csv.err"; then
  echo "the built-in csv sink does not build against the installed SDK alone:"; cat "$work/csv.err"; exit 1
fi
printf '%s\n' '{"id":"f-1","ticker":"=HYPERLINK(1)","price":"0.5600"}' '{"id":"f-2","ticker":"B,C","price":"0.41"}' > "$work/csv-in.jsonl"
cat > "$work/both.yaml" <<YAML
name: csv-both
source: { type: jsonl, path: $work/csv-in.jsonl, stream: fills }
sinks:
  - { type: csv, path: $work/builtin.csv }
  - { type: csv_dropin, path: $work/dropin.csv }
YAML
"$cli" run "$work/both.yaml" --plugin-dir "$work/csv-dropin" >"$work/both.out"
cmp "$work/builtin.csv" "$work/dropin.csv" || { echo "the drop-in csv wrote other bytes"; exit 1; }
[[ $(wc -l < "$work/dropin.csv") -eq 3 ]] || { cat "$work/dropin.csv"; exit 1; }

echo "custom sinks: built against the installed SDK, loaded; json_lines wrote 2 records, tally counted 3 once; the built-in csv rebuilt as a drop-in writes the same bytes"
