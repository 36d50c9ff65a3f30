#include "kalshi_direct/engine/dead_letters.h"

#include <stdexcept>

#include "kalshi_direct/engine/log.h"
#include "kalshi_direct/json_writer.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {

void DeadLetterWriter::write(const std::string& stage, const std::string& stream,
                             const std::string& reason, const Record* record,
                             const std::string* raw) {
  ++count_;
  log::debug(pipeline_ + " " + stage, "rejected a " + stream + " record: " + reason);
  if (dry_run_) return;
  if (!out_.is_open()) {
    out_.open(path_, std::ios::app | std::ios::binary);
    if (!out_) throw std::runtime_error("cannot write the dead-letter file '" + path_ + "'");
  }
  std::string line = "{\"time\":";
  appendJsonString(line, Timestamp::now().toIso8601());
  line += ",\"pipeline\":";
  appendJsonString(line, pipeline_);
  line += ",\"stage\":";
  appendJsonString(line, stage);
  line += ",\"stream\":";
  appendJsonString(line, stream);
  line += ",\"reason\":";
  appendJsonString(line, reason);
  if (record) {
    line += ",\"record\":";
    appendJsonRecord(line, *record);
  }
  if (raw) {
    line += ",\"raw\":";
    appendJsonString(line, *raw);
  }
  line += "}\n";
  out_ << line;
}

}  // namespace kalshi_direct
