// The records the Kalshi sources emit (kalshi_live, and local_db_fallback, which emits a subset
// with the same names): stream -> field names, in record order. The sources declare these to the
// engine (SourceFactory::fields) so that a pipeline naming a field that does not exist is refused
// before it runs; the runner checks the promise (KD_CHECK_FIELDS=1 in the test suite).
// docs/pipelines.md lists the same fields for users.
#pragma once

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace kalshi {

const StreamFields& sourceStreamFields();

}  // namespace kalshi
}  // namespace kalshi_direct
