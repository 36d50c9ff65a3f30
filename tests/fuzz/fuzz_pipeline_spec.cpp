// libFuzzer target: the YAML pipeline spec loader.
//
// The input is a pipeline file. parsePipelineSpec() (YAML, params, ${VAR} interpolation with a
// fixed environment, top-level shape) and then resolvePipeline() against the built-in plugins
// (option tables, defaults, stream wiring) must either succeed or throw ConfigError. Any other
// exception escaping, a crash or a sanitizer report is a bug. Nothing here does I/O.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include "kalshi_direct/engine/builtin_plugins.h"
#include "kalshi_direct/engine/pipeline_spec.h"
#include "kalshi_direct/engine/registry.h"

namespace {

using namespace kalshi_direct;

const Registry& builtinRegistry() {
  static Registry* registry = [] {
    auto* created = new Registry();
    const Status status = registerBuiltinPlugins(*created);
    if (!status.isOk()) {
      std::fprintf(stderr, "registerBuiltinPlugins failed\n");
      std::abort();
    }
    return created;
  }();
  return *registry;
}

// A fixed environment: a few variables are set, everything else is unset.
std::optional<std::string> fixedEnvironment(const std::string& name) {
  if (name == "HOME") return std::string("/nonexistent/kd-fuzz-home");
  if (name == "KALSHI_DB") return std::string("fuzz.db");
  if (name == "KALSHI_API_BASE_URL") return std::string("http://127.0.0.1:9/trade-api/v2");
  if (name == "KALSHI_RATE_LIMIT") return std::string("basic");
  if (name == "KALSHI_MM_PREFIX") return std::string("mm-");
  if (name == "KALSHI_MAX_RETRY_TIME") return std::string("2m");
  if (name == "EMPTY") return std::string();
  if (name == "DOLLAR") return std::string("${HOME}");
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  LoadOptions options;
  options.environment = fixedEnvironment;
  try {
    const PipelineSpec spec = parsePipelineSpec(text, "fuzz.yaml", options);
    const ResolvedPipeline pipeline = resolvePipeline(spec, builtinRegistry());
    // Touch the result so that nothing is optimised away.
    if (pipeline.sinks.empty() && !pipeline.spec.sinks.empty()) __builtin_trap();
  } catch (const ConfigError& error) {
    // Expected. The message must say something.
    if (error.what()[0] == '\0') __builtin_trap();
  }
  // Any other exception propagates out of here: libFuzzer reports it as a crash (uncaught
  // exception -> std::terminate -> abort), which is what we want.
  return 0;
}
