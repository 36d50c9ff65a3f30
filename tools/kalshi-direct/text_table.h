// Aligned text tables for the commands' output: the first column left-aligned, the others right.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kalshi_direct {
namespace cli {

// Prints `rows` to stdout, each line starting with `indent`, with a rule of dashes above row
// `separator_before` (past the end: none). Trailing blanks are trimmed.
void printAligned(const std::vector<std::vector<std::string>>& rows, size_t separator_before,
                  const std::string& indent = "");

}  // namespace cli
}  // namespace kalshi_direct
