#include "filter_transform.h"

#include <utility>

namespace kalshi_direct {
namespace plugins {

Status FilterTransform::process(Batch&& batch, Emitter& out) {
  size_t kept = 0;
  for (size_t i = 0; i < batch.records.size(); ++i) {
    if (!where_.matches(batch.records[i])) continue;
    if (kept != i) batch.records[kept] = std::move(batch.records[i]);
    ++kept;
  }
  batch.records.resize(kept);
  if (!batch.records.empty()) out.emit(std::move(batch));
  return Status::ok();
}

}  // namespace plugins
}  // namespace kalshi_direct
