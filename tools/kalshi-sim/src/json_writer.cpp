#include "json_writer.h"

namespace ksim {

std::string error_body(std::string_view code, std::string_view message, std::string_view details) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.kv("code", std::string(code));
  w.kv("message", std::string(message));
  w.kv("details", std::string(details));
  w.end_object();
  return out;
}

std::string nested_error_body(std::string_view code, std::string_view message,
                              std::string_view details) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("error");
  w.begin_object();
  w.kv("code", std::string(code));
  w.kv("message", std::string(message));
  w.kv("details", std::string(details));
  w.end_object();
  w.end_object();
  return out;
}

}  // namespace ksim
