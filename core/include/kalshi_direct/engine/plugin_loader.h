// Loads drop-in plugin libraries (shared objects built against the SDK) into a Registry.
//
// A directory is scanned for "*.so" files (sorted, so load order is stable); a file path is
// loaded as given. Each library must export `kalshi_direct_plugin` (see plugin_abi.h). The loader
// checks the ABI version, the descriptor size and the C++ ABI tag before calling into the library,
// so a stale or foreign library gives a one-line error, not a crash. Libraries stay loaded for
// the life of the process (their factories live in the registry).
#pragma once

#include <string>
#include <vector>

#include "kalshi_direct/engine/registry.h"

namespace kalshi_direct {

// Loads one library. Errors name the file and say what to do.
Status loadPluginLibrary(const std::string& path, Registry& registry);

// Loads every *.so in each directory (or each file) of `paths`. A path that does not exist is an
// error (it is almost always a typo). Returns the first failure.
Status loadPluginPaths(const std::vector<std::string>& paths, Registry& registry);

// Splits KALSHI_DIRECT_PLUGIN_PATH-style lists ("a:b:c").
std::vector<std::string> splitPathList(const std::string& list);

}  // namespace kalshi_direct
