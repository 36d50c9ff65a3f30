#include "kalshi_direct/engine/failpoint.h"

#include <signal.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace kalshi_direct {

namespace {

struct Armed {
  std::string name;  // empty: no failpoint armed
  long at = 0;       // the pass that kills
  long passes = 0;
};

Armed& armed() {
  static Armed instance = [] {
    Armed parsed;
    const char* value = std::getenv("KD_FAILPOINT");
    if (!value) return parsed;
    const char* colon = std::strchr(value, ':');
    if (!colon) return parsed;
    parsed.name.assign(value, static_cast<size_t>(colon - value));
    parsed.at = std::strtol(colon + 1, nullptr, 10);
    if (parsed.at < 1) parsed.name.clear();
    return parsed;
  }();
  return instance;
}

}  // namespace

void failpoint(const char* name) {
  Armed& point = armed();
  if (point.name.empty() || point.name != name) return;
  if (++point.passes == point.at) ::raise(SIGKILL);
}

}  // namespace kalshi_direct
