// categorize_pnl's rules_file: the category rules in a YAML file of their own, so that the
// settings file (KALSHI_CATEGORY_RULES) can point the shipped pipelines at a user's rules.
//
// The file holds a YAML list shaped like the `rules:` option (or a map whose `rules:` key holds
// it). Each node keeps its file:line:column, so a bad rule's error names its place in that file.
#pragma once

#include <string>

#include "kalshi_direct/config.h"
#include "kalshi_direct/status.h"

namespace kalshi_direct {
namespace kalshi {

// Reads `path` into `out` (a list). kInvalidConfig, one line naming the file (and line), when it
// cannot be read, is not YAML, or holds no list of rules.
Status loadRulesFile(const std::string& path, ConfigValue& out);

}  // namespace kalshi
}  // namespace kalshi_direct
