// normalize_orders: Kalshi order and fill records (as kalshi_live emits them, API field names)
// -> the rows of the kalshi_orders and kalshi_fills tables (see plugins/kalshi/tables.cpp).
//
//   outcome_side   yes / no: where the trade moves the position, from outcome_side/book_side or,
//   book_side      when a record lacks them (production before mid-2026), from action + side
//                  (kalshi/direction.h); no direction in either vocabulary: dead-lettered
//   side           BUY / SELL from `action` when the legacy pair is present and agrees; else BUY
//   contract_side  yes / no from `side` likewise; else `outcome_side` (what a BUY would buy)
//   subaccount     subaccount_number (0, the primary account, when absent)
//   quantity       whole contracts, rounded half away from zero; the exact count is quantity_fp
//   price          cents per contract of contract_side (yes_price for yes, no_price for no)
//   fees           orders: taker_fees + maker_fees; fills: fee_cost; *_dollars exact, *_cents
//   rounded filled_at      fills: created_time; orders: last_update_time when anything was filled
// The accounting (P&L) does not depend on side/action: a fill's effect on the position is fully
// given by outcome_side, count and price (see docs/pnl.md).
#pragma once

#include <string>
#include <vector>

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace kalshi {

// The fields of the rows below, in order (declared to the engine: TransformFactory::outputFields).
const std::vector<std::string>& normalizedOrderFields();
const std::vector<std::string>& normalizedFillFields();

// Returns false with `reason` when the record cannot be normalized (it is then dead-lettered).
bool normalizeOrder(const Record& order, Record& row, std::string& reason);
bool normalizeFill(const Record& fill, Record& row, std::string& reason);

class NormalizeOrders final : public Transform {
 public:
  Status process(Batch&& batch, Emitter& out) override;
};

}  // namespace kalshi
}  // namespace kalshi_direct
