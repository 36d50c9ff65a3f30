#include "jsonl_source.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "kalshi_direct/config.h"

namespace kalshi_direct {
namespace plugins {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

std::string_view trimTrailingSpace(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string shorten(std::string_view text) {
  return text.size() <= 64 ? std::string(text) : std::string(text.substr(0, 64)) + "...";
}

}  // namespace

bool jsonNumberToValue(std::string_view text, Value& out, std::string& reason) {
  // Check the JSON grammar and find the parts: [-]int[.frac][e[+-]exp].
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  const size_t int_start = i;
  while (i < text.size() && isDigit(text[i])) ++i;
  const size_t int_digits = i - int_start;
  bool valid = int_digits > 0 && !(int_digits > 1 && text[int_start] == '0');
  bool has_fraction = false, has_exponent = false;
  if (valid && i < text.size() && text[i] == '.') {
    has_fraction = true;
    const size_t start = ++i;
    while (i < text.size() && isDigit(text[i])) ++i;
    valid = i > start;
  }
  const size_t mantissa_end = i;
  int64_t exponent = 0;
  if (valid && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    has_exponent = true;
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    const size_t start = i;
    while (i < text.size() && isDigit(text[i])) {
      if (exponent < 1000) exponent = exponent * 10 + (text[i] - '0');
      ++i;
    }
    valid = i > start;
    if (negative) exponent = -exponent;
  }
  if (!valid || i != text.size()) {
    reason = "'" + shorten(text) + "' is not a JSON number";
    return false;
  }

  if (!has_fraction && !has_exponent) {
    int64_t integer;
    if (parseInt(text, integer)) {
      out = Value(integer);
      return true;
    }
    reason = "integer " + shorten(text) + " does not fit in 64 bits";
    return false;
  }
  Decimal mantissa;
  std::string error;
  if (!Decimal::parse(text.substr(0, mantissa_end), mantissa, &error)) {
    reason = "number " + shorten(text) + " cannot be held exactly: " + error;
    return false;
  }
  // value = units * 10^-(scale - exponent); shift the scale, or the units when it would be < 0.
  const int64_t scale = mantissa.scale() - exponent;
  if (scale > Decimal::kMaxScale) {
    reason = "number " + shorten(text) + " has more than 18 fractional digits";
    return false;
  }
  if (scale >= 0) {
    out = Value(Decimal(mantissa.units(), static_cast<int>(scale)));
    return true;
  }
  Decimal shifted;
  if (-scale > Decimal::kMaxScale ||
      !Decimal(mantissa.units(), 0).tryRescale(static_cast<int>(-scale), shifted)) {
    reason = "number " + shorten(text) + " is out of range";
    return false;
  }
  out = Value(Decimal(shifted.units(), 0));
  return true;
}

struct JsonLineParser::Parsers {
  simdjson::ondemand::parser ondemand;
  simdjson::dom::parser dom;  // validates the whole line first
};

JsonLineParser::JsonLineParser() : parsers_(std::make_unique<Parsers>()) {}
JsonLineParser::~JsonLineParser() = default;

bool JsonLineParser::parse(std::string_view line, Record& out, std::string& reason) {
  out = Record();
  padded_.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  padded_.assign(line.data(), line.size());
  auto fail = [&](const std::string& what, simdjson::error_code error) {
    reason = what + " (" + simdjson::error_message(error) + ")";
    return false;
  };
  try {
    // The DOM parser validates the whole line (structure, literals, numbers, UTF-8, trailing
    // text) with the best SIMD kernel of this CPU; the On-Demand walk then reads the fields,
    // where numbers are still available as their exact text.
    simdjson::dom::element root;
    if (auto error = parsers_->dom.parse(padded_.data(), padded_.size(), false).get(root)) {
      return fail("invalid JSON", error);
    }
    if (!root.is_object()) {
      reason = std::string("expected a JSON object, found ") + (root.is_array()    ? "an array"
                                                                : root.is_string() ? "a string"
                                                                : root.is_null()   ? "null"
                                                                : root.is_bool()   ? "a boolean"
                                                                                   : "a number");
      return false;
    }
    simdjson::ondemand::document document;
    if (auto error = parsers_->ondemand.iterate(padded_.data(), padded_.size(), padded_.capacity())
                         .get(document)) {
      return fail("invalid JSON", error);
    }
    simdjson::ondemand::object object;
    if (auto error = document.get_object().get(object)) return fail("invalid JSON", error);
    for (auto field_result : object) {
      simdjson::ondemand::field field;
      if (auto error = std::move(field_result).get(field)) return fail("invalid JSON", error);
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return fail("invalid key", error);
      std::string name(key);
      simdjson::ondemand::value value = field.value();
      simdjson::ondemand::json_type value_type;
      if (auto error = value.type().get(value_type)) {
        return fail("invalid value of '" + name + "'", error);
      }
      switch (value_type) {
        case simdjson::ondemand::json_type::string: {
          std::string_view text;
          if (auto error = value.get_string().get(text)) {
            return fail("invalid string in '" + name + "'", error);
          }
          out.set(name, Value(std::string(text)));
          break;
        }
        case simdjson::ondemand::json_type::number: {
          Value number;
          std::string why;
          if (!jsonNumberToValue(trimTrailingSpace(value.raw_json_token()), number, why)) {
            reason = "field '" + name + "': " + why;
            return false;
          }
          out.set(name, std::move(number));
          break;
        }
        case simdjson::ondemand::json_type::boolean: {
          bool flag;
          if (auto error = value.get_bool().get(flag)) {
            return fail("invalid value of '" + name + "'", error);
          }
          out.set(name, Value(flag));
          break;
        }
        case simdjson::ondemand::json_type::null: {
          bool is_null = false;
          if (auto error = value.is_null().get(is_null)) {
            return fail("invalid value of '" + name + "'", error);
          }
          if (!is_null) {
            reason = "invalid value of '" + name + "'";
            return false;
          }
          out.set(name, Value());
          break;
        }
        case simdjson::ondemand::json_type::object:
        case simdjson::ondemand::json_type::array: {
          std::string_view raw;
          simdjson::error_code error;
          if (value_type == simdjson::ondemand::json_type::object) {
            simdjson::ondemand::object nested;
            error = value.get_object().get(nested);
            if (!error) error = nested.raw_json().get(raw);
          } else {
            simdjson::ondemand::array nested;
            error = value.get_array().get(nested);
            if (!error) error = nested.raw_json().get(raw);
          }
          if (error) return fail("invalid JSON in '" + name + "'", error);
          raw = trimTrailingSpace(raw);
          out.set(name, Value(std::string(raw)));
          break;
        }
      }
    }
  } catch (const std::exception& error) {
    reason = std::string("invalid JSON (") + error.what() + ")";
    return false;
  }
  return true;
}

JsonlSource::JsonlSource(JsonlSourceConfig config) : config_(std::move(config)) {}

JsonlSource::~JsonlSource() {
  if (file_) std::fclose(file_);
  std::free(line_buffer_);
}

Status JsonlSource::open(SourceContext& context) {
  context_ = &context;
  file_ = std::fopen(config_.path.c_str(), "rb");
  if (file_ == nullptr)
    return statusFromErrno("cannot read JSON-lines file '" + config_.path + "'", errno);
  struct stat info {};
  if (::fstat(fileno(file_), &info) != 0 || S_ISDIR(info.st_mode)) {
    return Status::invalidConfig("cannot read JSON-lines file '" + config_.path +
                                 "': it is a directory");
  }
  offset_ = 0;
  line_number_ = 0;
  at_end_ = false;
  if (!config_.resume) return Status::ok();

  const auto found = context.committedState().find("offset");
  if (found == context.committedState().end()) return Status::ok();
  int64_t offset;
  if (!parseInt(found->second, offset) || offset < 0) {
    return Status::failed("committed state of '" + config_.path + "' has offset '" + found->second +
                          "', which is not a byte offset");
  }
  if (offset > static_cast<int64_t>(info.st_size)) {
    context.log(LogLevel::kWarning,
                "JSON-lines file '" + config_.path + "' is shorter (" +
                    std::to_string(info.st_size) + " bytes) than the committed offset " +
                    std::to_string(offset) + ": it was replaced, reading it from the start");
    return Status::ok();
  }
  return seekTo(offset);
}

// Moves to `offset`, counting the lines before it so that reject messages keep true line numbers.
Status JsonlSource::seekTo(int64_t offset) {
  std::string chunk(1 << 16, '\0');
  while (offset_ < offset) {
    const size_t wanted = static_cast<size_t>(std::min<int64_t>(offset - offset_, chunk.size()));
    const size_t count = std::fread(chunk.data(), 1, wanted, file_);
    if (count == 0) {
      return std::ferror(file_)
                 ? statusFromErrno("cannot read JSON-lines file '" + config_.path + "'", errno)
                 : Status::failed("JSON-lines file '" + config_.path + "' ended before offset " +
                                  std::to_string(offset));
    }
    line_number_ += std::count(chunk.data(), chunk.data() + count, '\n');
    offset_ += static_cast<int64_t>(count);
  }
  return Status::ok();
}

Status JsonlSource::read(Batch& batch) {
  if (file_ == nullptr) return Status::failed("JSON-lines file '" + config_.path + "' is not open");
  if (at_end_ || context_->stopRequested()) return Status::endOfStream();
  batch.stream = config_.stream;
  const size_t limit = std::max<size_t>(1, context_->batchSize());
  Record record;
  std::string reason;
  while (batch.records.size() < limit) {
    errno = 0;
    const ssize_t length = ::getline(&line_buffer_, &line_capacity_, file_);
    if (length < 0) {
      if (std::ferror(file_)) {
        return statusFromErrno("cannot read JSON-lines file '" + config_.path + "'",
                               errno ? errno : EIO);
      }
      at_end_ = true;
      break;
    }
    offset_ += length;
    ++line_number_;
    std::string_view line(line_buffer_, static_cast<size_t>(length));
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view content = line;
    if (line_number_ == 1 && content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
    if (isBlank(content)) continue;
    if (parser_.parse(content, record, reason)) {
      batch.records.push_back(std::move(record));
    } else {
      context_->reject(config_.stream, std::string(line),
                       "line " + std::to_string(line_number_) + ": " + reason);
    }
  }
  if (batch.records.empty() && at_end_) return Status::endOfStream();
  return Status::ok();
}

StateMap JsonlSource::checkpoint() const {
  if (!config_.resume) return {};
  return {{"offset", std::to_string(offset_)}};
}

Status JsonlSource::close() {
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  return Status::ok();
}

}  // namespace plugins
}  // namespace kalshi_direct
