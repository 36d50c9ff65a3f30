#include "normalize_orders.h"

#include "kalshi/api_parser.h"
#include "kalshi/direction.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

const Decimal kHundred = Decimal::fromInt(100);

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return text;
}

const Decimal* decimalField(const Record& record, const char* name, std::string& reason) {
  const Decimal* value = record.get(name).ifDecimal();
  if (!value) reason = std::string("field '") + name + "' is missing or not a number";
  return value;
}

const std::string* stringField(const Record& record, const char* name, std::string& reason) {
  const std::string* value = record.get(name).ifString();
  if (!value) reason = std::string("field '") + name + "' is missing";
  return value;
}

// The direction of an order or fill in both vocabularies (kalshi/direction.h), plus the side and
// contract side the tables show (see the header).
struct Shown {
  Direction direction;
  std::string side, contract_side;
};

bool direction(const Record& record, Shown& out, std::string& reason) {
  auto text = [&record](const char* name) -> std::string_view {
    const std::string* value = record.get(name).ifString();
    return value ? std::string_view(*value) : std::string_view();
  };
  if (!resolveDirection(text("outcome_side"), text("book_side"), text("action"), text("side"),
                        out.direction, reason)) {
    return false;
  }
  // Without a legacy pair that agrees, a trade shows as a buy of the outcome it moves towards.
  out.side = out.direction.action.empty() ? "BUY" : upper(out.direction.action);
  out.contract_side = out.direction.side.empty() ? out.direction.outcome_side : out.direction.side;
  return true;
}

Value isoOrNull(const Value& value) {
  const Timestamp* time = value.ifTimestamp();
  return time ? Value(time->toIso8601()) : Value();
}

}  // namespace

const std::vector<std::string>& normalizedOrderFields() {
  static const std::vector<std::string> fields = {"id",
                                                  "ticker",
                                                  "side",
                                                  "contract_side",
                                                  "outcome_side",
                                                  "book_side",
                                                  "quantity",
                                                  "quantity_fp",
                                                  "filled_quantity_fp",
                                                  "remaining_quantity_fp",
                                                  "price",
                                                  "yes_price_dollars",
                                                  "no_price_dollars",
                                                  "avg_fill_price",
                                                  "fill_cost_dollars",
                                                  "fees_dollars",
                                                  "fees_cents",
                                                  "filled_at",
                                                  "created_at",
                                                  "updated_at",
                                                  "status",
                                                  "type",
                                                  "client_order_id",
                                                  "subaccount"};
  return fields;
}

const std::vector<std::string>& normalizedFillFields() {
  static const std::vector<std::string> fields = {"id",
                                                  "order_id",
                                                  "trade_id",
                                                  "ticker",
                                                  "side",
                                                  "contract_side",
                                                  "outcome_side",
                                                  "book_side",
                                                  "quantity",
                                                  "quantity_fp",
                                                  "price",
                                                  "yes_price_dollars",
                                                  "no_price_dollars",
                                                  "fee_dollars",
                                                  "fee_cents",
                                                  "is_taker",
                                                  "filled_at",
                                                  "filled_at_us",
                                                  "ts",
                                                  "subaccount",
                                                  "client_order_id"};
  return fields;
}

bool normalizeOrder(const Record& order, Record& row, std::string& reason) {
  row = Record();
  const std::string* id = stringField(order, "order_id", reason);
  const std::string* ticker = stringField(order, "ticker", reason);
  Shown shown;
  if (!id || !ticker || !direction(order, shown, reason)) return false;
  const std::string& side = shown.side;
  const std::string& contract_side = shown.contract_side;
  const Decimal* yes_price = decimalField(order, "yes_price_dollars", reason);
  const Decimal* no_price = decimalField(order, "no_price_dollars", reason);
  const Decimal* initial = decimalField(order, "initial_count_fp", reason);
  const Decimal* filled = decimalField(order, "fill_count_fp", reason);
  const Decimal* remaining = decimalField(order, "remaining_count_fp", reason);
  const Decimal* taker_cost = decimalField(order, "taker_fill_cost_dollars", reason);
  const Decimal* maker_cost = decimalField(order, "maker_fill_cost_dollars", reason);
  const Decimal* taker_fees = decimalField(order, "taker_fees_dollars", reason);
  const Decimal* maker_fees = decimalField(order, "maker_fees_dollars", reason);
  if (!yes_price || !no_price || !initial || !filled || !remaining || !taker_cost || !maker_cost ||
      !taker_fees || !maker_fees) {
    return false;
  }
  const std::string* status = stringField(order, "status", reason);
  if (!status) return false;
  const Decimal& price = contract_side == "yes" ? *yes_price : *no_price;
  const Decimal fill_cost = *taker_cost + *maker_cost;
  const Decimal fees = *taker_fees + *maker_fees;
  // Average fill price in cents per contract, to 4 decimals (a display value; exact cost is kept).
  Value average_fill_price;
  if (!filled->isZero()) {
    try {
      average_fill_price =
          Value((fill_cost * kHundred).divide(*filled, 4, Rounding::kHalfAwayFromZero));
    } catch (const std::exception&) {  // std::overflow_error: a fill cost no real order has
      reason = "fill cost " + fill_cost.toString() + " is out of range";
      return false;
    }
  }

  row.append("id", Value(*id));
  row.append("ticker", Value(*ticker));
  row.append("side", Value(side));
  row.append("contract_side", Value(contract_side));
  row.append("outcome_side", Value(shown.direction.outcome_side));
  row.append("book_side", Value(shown.direction.book_side));
  row.append("quantity", Value(initial->toUnits(0)));
  row.append("quantity_fp", Value(initial->rescaled(2).toString()));
  row.append("filled_quantity_fp", Value(filled->rescaled(2).toString()));
  row.append("remaining_quantity_fp", Value(remaining->rescaled(2).toString()));
  row.append("price", Value(price * kHundred));
  row.append("yes_price_dollars", Value(yes_price->toString()));
  row.append("no_price_dollars", Value(no_price->toString()));
  row.append("avg_fill_price", average_fill_price);
  row.append("fill_cost_dollars", Value(fill_cost.toString()));
  row.append("fees_dollars", Value(fees.toString()));
  row.append("fees_cents", Value(fees.toUnits(2)));
  row.append("filled_at", filled->isZero() ? Value() : isoOrNull(order.get("last_update_time")));
  row.append("created_at", isoOrNull(order.get("created_time")));
  row.append("updated_at", isoOrNull(order.get("last_update_time")));
  row.append("status", Value(*status));
  row.append("type", order.get("type"));
  row.append("client_order_id", order.get("client_order_id"));
  row.append("subaccount", subaccountOf(order));
  return true;
}

bool normalizeFill(const Record& fill, Record& row, std::string& reason) {
  row = Record();
  const std::string* id = stringField(fill, "fill_id", reason);
  const std::string* ticker = stringField(fill, "ticker", reason);
  Shown shown;
  if (!id || !ticker || !direction(fill, shown, reason)) return false;
  const std::string& side = shown.side;
  const std::string& contract_side = shown.contract_side;
  const Decimal* count = decimalField(fill, "count_fp", reason);
  const Decimal* yes_price = decimalField(fill, "yes_price_dollars", reason);
  const Decimal* no_price = decimalField(fill, "no_price_dollars", reason);
  const Decimal* fee = decimalField(fill, "fee_cost", reason);
  if (!count || !yes_price || !no_price || !fee) return false;
  if (count->sign() <= 0) {
    reason = "fill count must be positive, not " + count->toString();
    return false;
  }
  if (*yes_price + *no_price != Decimal::fromInt(1)) {
    reason = "yes_price_dollars + no_price_dollars must be 1 (got " + yes_price->toString() +
             " and " + no_price->toString() + ")";
    return false;
  }
  const Decimal& price = contract_side == "yes" ? *yes_price : *no_price;
  const Timestamp* created = fill.get("created_time").ifTimestamp();
  const int64_t* ts = fill.get("ts").ifInt();
  if (!created && ts && (*ts > INT64_MAX / 1000000 || *ts < INT64_MIN / 1000000)) {
    reason = "field 'ts' is out of range: " + std::to_string(*ts);  // its microseconds overflow
    return false;
  }
  int64_t micros = created ? created->micros() : (ts ? *ts * 1000000 : 0);

  row.append("id", Value(*id));
  row.append("order_id", fill.get("order_id"));
  row.append("trade_id", fill.get("trade_id"));
  row.append("ticker", Value(*ticker));
  row.append("side", Value(side));
  row.append("contract_side", Value(contract_side));
  row.append("outcome_side", Value(shown.direction.outcome_side));
  row.append("book_side", Value(shown.direction.book_side));
  row.append("quantity", Value(count->toUnits(0)));
  row.append("quantity_fp", Value(count->rescaled(2).toString()));
  row.append("price", Value(price * kHundred));
  row.append("yes_price_dollars", Value(yes_price->toString()));
  row.append("no_price_dollars", Value(no_price->toString()));
  row.append("fee_dollars", Value(fee->toString()));
  row.append("fee_cents", Value(fee->toUnits(2)));
  row.append("is_taker", fill.get("is_taker"));
  row.append("filled_at",
             created ? Value(created->toIso8601())
                     : (ts ? Value(Timestamp::fromUnixSeconds(*ts).toIso8601()) : Value()));
  row.append("filled_at_us", micros ? Value(micros) : Value());
  row.append("ts", ts ? Value(*ts) : (created ? Value(created->unixSeconds()) : Value()));
  row.append("subaccount", subaccountOf(fill));
  // WebSocket fills name their order's client id (no column: the categorizer reads it).
  row.append("client_order_id", fill.get("client_order_id"));
  return true;
}

Status NormalizeOrders::process(Batch&& batch, Emitter& out) {
  Batch rows;
  rows.stream = batch.stream;
  rows.records.reserve(batch.records.size());
  const bool orders = batch.stream == "orders";
  for (auto& record : batch.records) {
    Record row;
    std::string reason;
    if (orders ? normalizeOrder(record, row, reason) : normalizeFill(record, row, reason)) {
      rows.records.push_back(std::move(row));
    } else {
      out.reject(batch.stream, std::move(record), reason);
    }
  }
  out.emit(std::move(rows));
  return Status::ok();
}

}  // namespace kalshi
}  // namespace kalshi_direct
