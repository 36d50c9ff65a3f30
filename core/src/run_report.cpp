// RunReport's renderings (runner.h): the summary people read and the JSON object scripts read.
#include <cstdio>
#include <string>

#include "kalshi_direct/engine/runner.h"
#include "kalshi_direct/json_writer.h"

namespace kalshi_direct {

std::string RunReport::toText() const {
  char seconds_text[32];
  std::snprintf(seconds_text, sizeof seconds_text, "%.2f", seconds);
  std::string out = "pipeline '" + pipeline + "' ";
  if (exit_code == kExitFailed || exit_code == kExitConfig) {
    out += "failed after " + std::string(seconds_text) + " s: " + error + "\n";
  } else {
    out += std::string(dry_run ? "dry run finished" : "finished") + " in " + seconds_text + " s";
    out += interrupted ? " (interrupted; run again to continue)" : "";
    auto counted = [](uint64_t n, const char* one, const char* many) {
      return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    out += ": " + counted(records_read, "record", "records") + " read, " +
           counted(commits, "commit", "commits");
    if (retries > 0) out += ", " + counted(retries, "retry", "retries");
    out += "\n";
  }
  if (used_fallback)
    out +=
        "  FALLBACK: source unavailable (" + fallback_reason + "); served the last known state\n";
  for (const auto& stage : stages) {
    if (stage.streams.empty() && stage.retries == 0 && stage.counters.empty()) continue;
    out += "  " + stage.label + ":";
    bool first = true;
    for (const auto& [stream, counts] : stage.streams) {
      out += first ? " " : "; ";
      first = false;
      out += stream + " ";
      const bool is_sink = stage.label.rfind("sinks[", 0) == 0;
      if (counts.in > 0 || is_sink) out += std::to_string(counts.in) + " in, ";
      out += std::to_string(counts.out) +
             (is_sink ? (dry_run ? " would be written" : " written") : " out");
      if (counts.rejected > 0) out += ", " + std::to_string(counts.rejected) + " rejected";
    }
    if (stage.retries > 0) out += " (" + std::to_string(stage.retries) + " retries)";
    for (const auto& [name, value] : stage.counters) {
      out += (first ? " " : "; ") + name + " " +
             std::to_string(value);  // no "label:;" when no streams
      first = false;
    }
    out += "\n";
  }
  if (rejected > 0) {
    out += "  " + std::to_string(rejected) + " records rejected" +
           (dead_letter_path.empty() ? std::string(" (dry run: not written)")
                                     : " -> " + dead_letter_path) +
           "\n";
  }
  if (dry_run) out += "  dry run: nothing was committed\n";
  return out;
}

std::string RunReport::toJson() const {
  std::string out = "{\"pipeline\":";
  appendJsonString(out, pipeline);
  out += ",\"exit_code\":" + std::to_string(exit_code);
  out += ",\"ok\":" + std::string(exit_code == kExitOk ? "true" : "false");
  if (!error.empty()) {
    out += ",\"error\":";
    appendJsonString(out, error);
  }
  out += ",\"dry_run\":" + std::string(dry_run ? "true" : "false");
  out += ",\"interrupted\":" + std::string(interrupted ? "true" : "false");
  out += ",\"used_fallback\":" + std::string(used_fallback ? "true" : "false");
  if (used_fallback) {
    out += ",\"fallback_reason\":";
    appendJsonString(out, fallback_reason);
  }
  char seconds_text[32];
  std::snprintf(seconds_text, sizeof seconds_text, "%.3f", seconds);
  out += ",\"seconds\":" + std::string(seconds_text);
  out += ",\"records_read\":" + std::to_string(records_read);
  out += ",\"commits\":" + std::to_string(commits);
  out += ",\"retries\":" + std::to_string(retries);
  out += ",\"rejected\":" + std::to_string(rejected);
  if (!dead_letter_path.empty()) {
    out += ",\"dead_letter_path\":";
    appendJsonString(out, dead_letter_path);
  }
  out += ",\"stages\":[";
  for (size_t i = 0; i < stages.size(); ++i) {
    if (i) out += ",";
    out += "{\"stage\":";
    appendJsonString(out, stages[i].label);
    out += ",\"retries\":" + std::to_string(stages[i].retries) + ",\"counters\":{";
    bool first_counter = true;
    for (const auto& [name, value] : stages[i].counters) {
      if (!first_counter) out += ",";
      first_counter = false;
      appendJsonString(out, name);
      out += ":" + std::to_string(value);
    }
    out += "},\"streams\":{";
    bool first = true;
    for (const auto& [stream, counts] : stages[i].streams) {
      if (!first) out += ",";
      first = false;
      appendJsonString(out, stream);
      out += ":{\"in\":" + std::to_string(counts.in) + ",\"out\":" + std::to_string(counts.out) +
             ",\"rejected\":" + std::to_string(counts.rejected) + "}";
    }
    out += "}}";
  }
  out += "]}";
  return out;
}

}  // namespace kalshi_direct
