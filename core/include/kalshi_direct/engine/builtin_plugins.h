// The built-in plugins, registered explicitly by a function CMake generates from plugins/*/*.
#pragma once

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {

// Registers every built-in source, transform and sink. Fails on a duplicate name.
Status registerBuiltinPlugins(PluginRegistrar& registrar);

}  // namespace kalshi_direct
