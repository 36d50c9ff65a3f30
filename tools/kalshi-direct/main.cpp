#include <string>
#include <vector>

#include "cli.h"

int main(int argc, char** argv) {
  return kalshi_direct::cli::main(std::vector<std::string>(argv + 1, argv + argc));
}
