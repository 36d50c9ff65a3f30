// FilterTransform: keeps the records for which the `where` expression is true and drops the rest
// (dropped records are not rejected: they are simply not wanted). See filter_expression.h.
#pragma once

#include <utility>

#include "filter_expression.h"
#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace plugins {

class FilterTransform final : public Transform {
 public:
  explicit FilterTransform(FilterExpression where) : where_(std::move(where)) {}

  Status process(Batch&& batch, Emitter& out) override;

 private:
  FilterExpression where_;
};

}  // namespace plugins
}  // namespace kalshi_direct
