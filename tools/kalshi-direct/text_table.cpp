#include "text_table.h"

#include <algorithm>
#include <iostream>

namespace kalshi_direct {
namespace cli {

void printAligned(const std::vector<std::vector<std::string>>& rows, size_t separator_before,
                  const std::string& indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  size_t total_width = 0;
  for (size_t w : widths) total_width += w + 2;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r == separator_before) std::cout << indent << std::string(total_width - 2, '-') << "\n";
    std::string line = indent;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      const std::string pad(widths[i] - rows[r][i].size(), ' ');
      line += i == 0 ? rows[r][i] + pad : pad + rows[r][i];
      if (i + 1 < rows[r].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
}

}  // namespace cli
}  // namespace kalshi_direct
