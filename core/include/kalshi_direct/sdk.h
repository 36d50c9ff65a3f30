// The kalshi-direct plugin SDK: everything a drop-in plugin needs, header-only.
// Build against it with find_package(KalshiDirect) and target_link_libraries(x KalshiDirect::sdk).
#pragma once

#include "kalshi_direct/config.h"
#include "kalshi_direct/decimal.h"
#include "kalshi_direct/json_writer.h"
#include "kalshi_direct/plugin.h"
#include "kalshi_direct/plugin_abi.h"
#include "kalshi_direct/record.h"
#include "kalshi_direct/status.h"
#include "kalshi_direct/store.h"
#include "kalshi_direct/timestamp.h"
#include "kalshi_direct/version.h"
