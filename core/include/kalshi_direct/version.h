// The SDK's version. The plugin ABI has its own number in plugin_abi.h.
#pragma once

#define KALSHI_DIRECT_VERSION "0.1.0"
