// The kalshi-direct command line: argument parsing and the subcommands.
#pragma once

#include <string>
#include <vector>

namespace kalshi_direct {
namespace cli {

// Runs the command line; returns the process exit code (see ExitCode in runner.h).
int main(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace kalshi_direct
