#include "categorizer.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "kalshi/cache_queries.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return text;
}

bool startsWithAny(const std::string& text, const std::vector<std::string>& prefixes) {
  for (const auto& prefix : prefixes) {
    if (text.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

uint64_t hashId(const std::string& id) { return std::hash<std::string>{}(id); }

Status collect(const ConfigValue& value, const std::string& what, std::vector<std::string>& out) {
  if (value.isScalar()) {
    out.push_back(value.text());
    return Status::ok();
  }
  if (value.isList()) {
    for (const auto& item : value.items()) {
      if (!item.isScalar()) {
        return Status::invalidConfig(item.location().toString() + ": transform 'categorize_pnl': " +
                                     what + " must be a value or a list of values");
      }
      out.push_back(item.text());
    }
    return Status::ok();
  }
  return Status::invalidConfig(value.location().toString() + ": transform 'categorize_pnl': " +
                               what + " must be a value or a list of values");
}

}  // namespace

Status parseCategoryRules(const ConfigValue& rules, std::vector<CategoryRule>& out) {
  const std::string where = rules.location().toString() + ": transform 'categorize_pnl': ";
  if (!rules.isList()) return Status::invalidConfig(where + "rules must be a list of maps");
  if (rules.items().size() > 64) return Status::invalidConfig(where + "at most 64 rules");
  for (const auto& item : rules.items()) {
    const std::string at = item.location().toString() + ": transform 'categorize_pnl': ";
    if (!item.isMap())
      return Status::invalidConfig(
          at + "each rule must be a map such as {series_category: Crypto, category: crypto}");
    CategoryRule rule;
    bool has_condition = false;
    for (const auto& entry : item.entries()) {
      const std::string key_at = entry.key_location.toString() + ": transform 'categorize_pnl': ";
      Status status;
      if (entry.key == "category") {
        if (!entry.value.isScalar() || entry.value.text().empty())
          return Status::invalidConfig(key_at + "category must be a name");
        rule.category = entry.value.text();
        continue;
      }
      has_condition = true;
      if (entry.key == "series_category") {
        std::vector<std::string> values;
        status = collect(entry.value, entry.key, values);
        for (auto& value : values) rule.series_categories.push_back(lower(value));
      } else if (entry.key == "series_prefix") {
        status = collect(entry.value, entry.key, rule.series_prefixes);
      } else if (entry.key == "ticker_pattern") {
        status = collect(entry.value, entry.key, rule.ticker_patterns);
      } else if (entry.key == "client_order_id_prefix") {
        status = collect(entry.value, entry.key, rule.client_order_id_prefixes);
      } else if (entry.key == "maker") {
        bool maker = false;
        if (!entry.value.isScalar() || !parseBool(entry.value.text(), maker)) {
          return Status::invalidConfig(key_at + "maker must be true or false");
        }
        rule.maker = maker;
      } else {
        return Status::invalidConfig(key_at + "unknown rule key '" + entry.key +
                                     "' (valid: series_category, series_prefix, ticker_pattern, "
                                     "client_order_id_prefix, maker, category)");
      }
      if (!status.isOk()) return status;
    }
    if (rule.category.empty())
      return Status::invalidConfig(at +
                                   "the rule has no 'category' (what to call what it matches)");
    if (!has_condition)
      return Status::invalidConfig(at + "the rule has no condition (use `default:` for the rest)");
    out.push_back(std::move(rule));
  }
  return Status::ok();
}

std::vector<CategoryRule> defaultCategoryRules(const std::string& market_making_prefix) {
  std::vector<CategoryRule> rules;
  if (!market_making_prefix.empty()) {
    CategoryRule rule;
    rule.client_order_id_prefixes = {market_making_prefix};
    rule.category = "market_making";
    rules.push_back(rule);
  }
  auto byCategory = [&](std::vector<std::string> categories, const char* category) {
    CategoryRule rule;
    for (auto& name : categories) rule.series_categories.push_back(lower(name));
    rule.category = category;
    rules.push_back(rule);
  };
  byCategory({"Climate and Weather"}, "weather");
  byCategory({"Crypto"}, "crypto");
  byCategory({"Economics", "Financials"}, "econ");
  return rules;
}

Categorizer::Categorizer(std::vector<CategoryRule> rules, std::string default_category,
                         std::string orders_db)
    : rules_(std::move(rules)),
      default_(std::move(default_category)),
      orders_db_(std::move(orders_db)) {
  for (const auto& rule : rules_) uses_client_order_ids_ |= !rule.client_order_id_prefixes.empty();
}

uint64_t Categorizer::clientOrderMask(const std::string& client_order_id) const {
  uint64_t mask = 0;
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (startsWithAny(client_order_id, rules_[i].client_order_id_prefixes))
      mask |= uint64_t{1} << i;
  }
  return mask;
}

bool Categorizer::matches(const CategoryRule& rule, size_t rule_index, const std::string& stream,
                          const Record& record, const MarketInfo* market,
                          uint64_t order_mask) const {
  if (!rule.series_categories.empty()) {
    if (!market) return false;
    bool any = false;
    for (const auto& category : rule.series_categories)
      any = any || category == market->series_category;
    if (!any) return false;
  }
  if (!rule.series_prefixes.empty() &&
      (!market || !startsWithAny(market->series_ticker, rule.series_prefixes))) {
    return false;
  }
  if (!rule.ticker_patterns.empty()) {
    const std::string* ticker = record.get("ticker").ifString();
    bool any = false;
    for (const auto& pattern : rule.ticker_patterns) {
      any = any || (ticker && fnmatch(pattern.c_str(), ticker->c_str(), 0) == 0);
    }
    if (!any) return false;
  }
  if (!rule.client_order_id_prefixes.empty() && (order_mask & (uint64_t{1} << rule_index)) == 0)
    return false;
  if (rule.maker) {
    if (stream != "fills") return false;
    const Value& taker = record.get("is_taker");
    const bool* is_taker = taker.ifBool();
    const int64_t* is_taker_int = taker.ifInt();
    if (!is_taker && !is_taker_int) return false;
    const bool maker = is_taker ? !*is_taker : *is_taker_int == 0;
    if (maker != *rule.maker) return false;
  }
  return true;
}

std::string Categorizer::categorize(const std::string& stream, const Record& record) {
  const std::string* ticker = record.get("ticker").ifString();
  if (stream == "markets" && ticker) {
    MarketInfo info;
    if (const std::string* series = record.get("series_ticker").ifString())
      info.series_ticker = *series;
    if (const std::string* category = record.get("series_category").ifString())
      info.series_category = lower(*category);
    auto [interned, added] = series_index_.try_emplace({info.series_ticker, info.series_category},
                                                       static_cast<uint32_t>(series_.size()));
    if (added) series_.push_back(std::move(info));
    markets_[hashId(*ticker)] = interned->second;
  }
  const MarketInfo* market = nullptr;
  if (ticker) {
    auto it = markets_.find(hashId(*ticker));
    if (it != markets_.end()) market = &series_[it->second];
  }
  uint64_t mask = 0;
  if (uses_client_order_ids_) {
    if (stream == "orders") {
      if (const std::string* client_id = record.get("client_order_id").ifString())
        mask = clientOrderMask(*client_id);
      if (const std::string* order_id = record.get("id").ifString()) {
        run_orders_.add(hashId(*order_id), mask);
      }
    } else if (stream == "fills") {
      if (const std::string* client_id = record.get("client_order_id").ifString()) {
        mask = clientOrderMask(*client_id);  // a WebSocket fill names it itself
      } else if (const std::string* order_id = record.get("order_id").ifString()) {
        const uint64_t key = hashId(*order_id);
        mask = run_orders_.mask(key);
        if (auto found = looked_up_.find(key); mask == 0 && found != looked_up_.end())
          mask = found->second;
      }
    }
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (matches(rules_[i], i, stream, record, market, mask)) return rules_[i].category;
  }
  return default_;
}

namespace {
// Sorts what arrived since the last call and merges it in: linear per batch even when orders and
// fills interleave.
template <typename T>
void mergeTail(std::vector<T>& items, size_t& sorted) {
  if (sorted == items.size()) return;
  const auto middle = items.begin() + static_cast<std::ptrdiff_t>(sorted);
  std::sort(middle, items.end());
  std::inplace_merge(items.begin(), middle, items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  sorted = items.size();
}
}  // namespace

void Categorizer::RunOrders::add(uint64_t key, uint64_t mask) {
  uint64_t id = std::find(masks_.begin(), masks_.end(), mask) - masks_.begin();
  if (id == masks_.size()) {
    if (masks_.size() < kOverflow) {
      masks_.push_back(mask);
    } else {
      id = kOverflow;
      overflow_.emplace_back(key, mask);
    }
  }
  entries_.push_back((key & ~uint64_t{0xFF}) | id);
}

const uint64_t* Categorizer::RunOrders::find(uint64_t key) {
  mergeTail(entries_, sorted_);
  // The key's last entry: an order read once without its client_order_id (a response that left
  // it out: mask 0) and once with it has two, and the mask is the one that counts.
  const uint64_t prefix = key & ~uint64_t{0xFF};
  const auto it = std::upper_bound(entries_.begin(), entries_.end(), prefix | 0xFF);
  if (it == entries_.begin()) return nullptr;
  const uint64_t& last = *(it - 1);
  return (last & ~uint64_t{0xFF}) == prefix ? &last : nullptr;
}

bool Categorizer::RunOrders::seen(uint64_t key) { return find(key) != nullptr; }

uint64_t Categorizer::RunOrders::mask(uint64_t key) {
  const uint64_t* entry = find(key);
  if (!entry) return 0;
  const uint64_t id = *entry & 0xFF;
  if (id != kOverflow) return masks_[id];
  mergeTail(overflow_, overflow_sorted_);
  const auto it =
      std::lower_bound(overflow_.begin(), overflow_.end(), std::make_pair(key, uint64_t{0}));
  return it != overflow_.end() && it->first == key ? it->second : 0;
}

void Categorizer::RunOrders::release() {
  std::vector<uint64_t>().swap(entries_);
  std::vector<std::pair<uint64_t, uint64_t>>().swap(overflow_);
  masks_.assign(1, 0);
  sorted_ = overflow_sorted_ = 0;
}

void Categorizer::lookUpOrders(const Batch& fills) {
  looked_up_.clear();
  if (orders_db_.empty()) return;
  auto unknownOrders = [&] {
    std::vector<std::string> unknown;
    for (const auto& record : fills.records) {
      const std::string* order_id = record.get("order_id").ifString();
      if (order_id && record.get("client_order_id").isNull() &&
          !run_orders_.seen(hashId(*order_id)))
        unknown.push_back(*order_id);
    }
    return unknown;
  };
  std::vector<std::string> unknown = unknownOrders();
  if (unknown.empty()) return;
  // A separate read-only connection sees what earlier commits wrote (WAL: it never blocks the
  // run's writer); orders of this run not yet committed are in run_orders_ when they matter.
  if (!orders_connection_) {
    if (!context_) return;
    if (Status status = context_->openReadOnlyStore(orders_db_, orders_connection_);
        !status.isOk()) {
      throw StoreError("orders_db: " + status.message());
    }
    if (!orders_connection_) return;  // nothing synced there yet: ask again next batch
  }
  Store& database = *orders_connection_;
  if (!staged_orders_read_) {
    // Orders a first load that stopped left staged are not in kalshi_orders until the load
    // ends (a resumed backfill goes on staging): taken as read in this run.
    staged_orders_read_ = true;
    forEachStagedClientOrderId(
        database, [&](const std::string& order_id, const std::string& client_order_id) {
          run_orders_.add(hashId(order_id), clientOrderMask(client_order_id));
        });
    unknown = unknownOrders();
    if (unknown.empty()) return;
  }
  if (!orders_table_checked_) {
    if (!database.tableExists("kalshi_orders")) return;  // not yet: ask again next batch
    orders_table_checked_ = true;
  }
  forEachClientOrderId(database, unknown,
                       [&](const std::string& order_id, const std::string& client_order_id) {
                         const uint64_t mask = clientOrderMask(client_order_id);
                         if (mask != 0) looked_up_[hashId(order_id)] = mask;
                       });
}

Status Categorizer::finish(Emitter&) {
  std::unordered_map<uint64_t, uint32_t>().swap(markets_);
  std::vector<MarketInfo>().swap(series_);
  series_index_.clear();
  run_orders_.release();
  std::unordered_map<uint64_t, uint64_t>().swap(looked_up_);
  orders_connection_.reset();
  return Status::ok();
}

Status Categorizer::process(Batch&& batch, Emitter& out) {
  if (batch.stream == "fills" && uses_client_order_ids_) lookUpOrders(batch);
  for (auto& record : batch.records)
    record.set("category", Value(categorize(batch.stream, record)));
  out.emit(std::move(batch));
  return Status::ok();
}

}  // namespace kalshi
}  // namespace kalshi_direct
