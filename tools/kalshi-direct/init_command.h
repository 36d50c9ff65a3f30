// `kalshi-direct init`: writes the settings file (settings.h) a new user needs.
//
//   kalshi-direct init [--config FILE] [--base-url URL] [--key-id ID] [--key-path PEM]
//                      [--db PATH] [--timezone ZONE] [--no-check]
//
// Each of base URL, key id, key path, database and time zone is taken from its flag, else the
// environment, else the file being rewritten; what is still missing is asked for on stdin (one
// line each; an empty answer takes the default shown, where there is one). Then the key is checked
// against the API with a balance read (GET /portfolio/balance; --no-check skips it), and the file
// is written atomically with mode 0600 (a file that existed keeps its mode, at most 0640, and
// group: the package's is root:kalshi-direct 0640): the settings, any other lines the old file
// had, and the private key's path (never the key itself). Exit 0 written, 1 the API refused the key
// or could not be reached (nothing written), 2 bad usage or a missing answer.
#pragma once

#include <string>
#include <vector>

namespace kalshi_direct {
namespace cli {

int runInitCommand(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace kalshi_direct
