// libFuzzer target: the YAML pipeline spec loader.
//
// The input is a pipeline file. parsePipelineSpec() (YAML, params, ${VAR} interpolation with a
// fixed environment, top-level shape) and then resolvePipeline() against the built-in plugins
// (option tables, defaults, stream wiring) must either succeed or throw ConfigError. Any other
// exception escaping, a crash or a sanitizer report is a bug. Nothing here does I/O.
//
// Every ConfigError is what the user sees on a mistake (README: "one line with the place and what
// would be right"), so its what() must be
//   - one line: no '\n' or '\r' (what the user wrote is quoted escaped);
//   - "fuzz.yaml:LINE:COLUMN: MESSAGE", with the file name given to parsePipelineSpec, LINE >= 1
//     and COLUMN >= 1 in decimal, and a non-empty MESSAGE after ": " (a mistake about the whole
//     file is at 1:1);
//   - a place in the input: LINE at most the number of lines of the text (counting every byte
//     yaml-cpp could take for a line break, so an over-count never hides a bug), COLUMN at most
//     one past the longest line (yaml-cpp counts columns in bytes), and the same place as
//     error.location().
// The only ConfigErrors without a line are not reachable from here, by design: --set NAME for a
// parameter the file does not declare (the mistake is on the command line; no overrides here),
// loadPipelineSpec's unreadable path and checkPipeline's plugin checks (not called: they do I/O).
// KD_FUZZ_SHOW=1 prints every message (build-fuzz/bin/fuzz_pipeline_spec FILE... to see them).
// A violated invariant executes __builtin_trap(), which libFuzzer reports as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

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

constexpr std::string_view kFile = "fuzz.yaml";

// Reads a decimal number >= 1 at text[*at], advancing *at; 0 when there is none (or it is absurd).
long readPositive(std::string_view text, size_t* at) {
  long value = 0;
  const size_t start = *at;
  while (*at < text.size() && text[*at] >= '0' && text[*at] <= '9' && *at - start < 10) {
    value = value * 10 + (text[*at] - '0');
    ++*at;
  }
  if (*at == start || text[start] == '0') return 0;
  return value;
}

// Upper bounds on the lines yaml-cpp can see in `text` and on their length: one line, plus one per
// byte that may be (part of) a line break (\n, \r, the lead byte of NEL C2 85 and LS/PS E2 80
// A8/A9); no line is longer than the longest run of bytes between two '\n'. Text that begins with
// a UTF-16/32 byte order mark is decoded by yaml-cpp, and its '\n' bytes need not be line breaks
// there: only its whole size bounds a line.
struct Extent {
  long lines = 1;
  long longest = 0;
};
Extent extentOf(std::string_view text) {
  Extent extent;
  long length = 0;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == '\xc2' || c == '\xe2') ++extent.lines;
    length = c == '\n' ? 0 : length + 1;
    if (length > extent.longest) extent.longest = length;
  }
  if (text.substr(0, 2) == "\xFE\xFF" || text.substr(0, 2) == "\xFF\xFE" ||
      text.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    extent.longest = static_cast<long>(text.size());
  }
  return extent;
}

// Shows which message broke which rule (on the crash's output), then crashes.
[[noreturn]] void fail(const char* rule, std::string_view what) {
  std::fprintf(stderr, "ConfigError breaks \"%s\": [%.*s]\n", rule, static_cast<int>(what.size()),
               what.data());
  __builtin_trap();
}

void checkMessage(const ConfigError& error, std::string_view input) {
  const std::string_view what = error.what();
  static const bool show = std::getenv("KD_FUZZ_SHOW") != nullptr;
  if (show)
    std::fprintf(stderr, "ConfigError: [%.*s]\n", static_cast<int>(what.size()), what.data());
  // One line.
  if (what.find('\n') != std::string_view::npos || what.find('\r') != std::string_view::npos) {
    fail("one line", what);
  }
  // "fuzz.yaml:LINE:COLUMN: MESSAGE"
  if (what.substr(0, kFile.size()) != kFile || what.size() <= kFile.size() ||
      what[kFile.size()] != ':') {
    fail("starts with fuzz.yaml:", what);
  }
  size_t at = kFile.size() + 1;
  const long line = readPositive(what, &at);
  if (line == 0 || at >= what.size() || what[at] != ':') fail("fuzz.yaml:LINE:", what);
  ++at;
  const long column = readPositive(what, &at);
  if (column == 0 || what.substr(at, 2) != ": " || what.size() <= at + 2) {
    fail("fuzz.yaml:LINE:COLUMN: MESSAGE", what);
  }
  // The place is in the file, and is the one the exception carries.
  // (COLUMN may be one past the end of a line: an error at the end of the text.)
  const Extent extent = extentOf(input);
  if (line > extent.lines || column > extent.longest + 1) fail("a place in the input", what);
  const SourceLocation& location = error.location();
  if (location.file != kFile || location.line != line || location.column != column) {
    fail("the place of error.location()", what);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  LoadOptions options;
  options.environment = fixedEnvironment;
  try {
    const PipelineSpec spec = parsePipelineSpec(text, std::string(kFile), options);
    const ResolvedPipeline pipeline = resolvePipeline(spec, builtinRegistry());
    // Touch the result so that nothing is optimised away.
    if (pipeline.sinks.empty() && !pipeline.spec.sinks.empty()) __builtin_trap();
  } catch (const ConfigError& error) {
    // Expected: one line with the place and what is wrong.
    checkMessage(error, text);
  }
  // Any other exception propagates out of here: libFuzzer reports it as a crash (uncaught
  // exception -> std::terminate -> abort), which is what we want.
  return 0;
}
