// parse_limit: how fast this machine can parse the history pages a backfill reads.
//
// Reads every page saved by fetch_pages.py (DIR/<stream>-<phase>-NNNNN.json) into memory, then
// times only the parse: simdjson On-Demand over each page, every record of the page's array, and
// the fields kalshi-direct's parser takes from it (plugins/kalshi/api_parser.cpp: fillSchema,
// orderSchema, settlementSchema) extracted as string views / integers / booleans, plus the cursor.
// Repeats RUNS times (default 3) and prints the median as one JSON line.
//
// build: g++ -O2 -std=c++17 parse_limit.cpp -lsimdjson -o parse_limit
// usage: parse_limit DIR [RUNS]
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

const std::vector<std::string_view> kOrderFields = {"order_id",
                                                    "user_id",
                                                    "client_order_id",
                                                    "ticker",
                                                    "outcome_side",
                                                    "book_side",
                                                    "side",
                                                    "action",
                                                    "type",
                                                    "status",
                                                    "yes_price_dollars",
                                                    "no_price_dollars",
                                                    "initial_count_fp",
                                                    "fill_count_fp",
                                                    "remaining_count_fp",
                                                    "taker_fill_cost_dollars",
                                                    "maker_fill_cost_dollars",
                                                    "taker_fees_dollars",
                                                    "maker_fees_dollars",
                                                    "created_time",
                                                    "last_update_time",
                                                    "expiration_time",
                                                    "subaccount_number"};
const std::vector<std::string_view> kFillFields = {
    "fill_id",          "trade_id", "order_id", "ticker",       "outcome_side",
    "book_side",        "side",     "action",   "count_fp",     "yes_price_dollars",
    "no_price_dollars", "is_taker", "fee_cost", "created_time", "ts",
    "subaccount_number"};
const std::vector<std::string_view> kSettlementFields = {"ticker",
                                                         "event_ticker",
                                                         "market_result",
                                                         "yes_count_fp",
                                                         "no_count_fp",
                                                         "yes_total_cost_dollars",
                                                         "no_total_cost_dollars",
                                                         "revenue",
                                                         "value",
                                                         "fee_cost",
                                                         "settled_time"};

struct Page {
  std::string stream;
  simdjson::padded_string body;
};

struct Totals {
  uint64_t records = 0, fields = 0, checksum = 0;
};

void die(const std::string& message) {
  std::fprintf(stderr, "parse_limit: %s\n", message.c_str());
  std::exit(1);
}

void parsePage(simdjson::ondemand::parser& parser, Page& page, Totals& totals) {
  const auto& wanted = page.stream == "orders"  ? kOrderFields
                       : page.stream == "fills" ? kFillFields
                                                : kSettlementFields;
  simdjson::ondemand::document doc;
  if (parser.iterate(page.body).get(doc)) die("not JSON");
  simdjson::ondemand::object root;
  if (doc.get_object().get(root)) die("not an object");
  for (auto top : root) {
    std::string_view key;
    if (top.unescaped_key().get(key)) die("bad key");
    if (key == "cursor") {
      std::string_view cursor;
      if (!top.value().get_string().get(cursor)) totals.checksum += cursor.size();
      continue;
    }
    if (key != page.stream) continue;
    simdjson::ondemand::array items;
    if (top.value().get_array().get(items)) die("no array");
    for (auto item : items) {
      simdjson::ondemand::object object;
      if (item.get_object().get(object)) die("record is not an object");
      for (auto field : object) {
        std::string_view name;
        if (field.unescaped_key().get(name)) die("bad key");
        if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
        simdjson::ondemand::value value = field.value();
        simdjson::ondemand::json_type type;
        if (value.type().get(type)) die("bad value");
        switch (type) {
          case simdjson::ondemand::json_type::string: {
            std::string_view text;
            if (value.get_string().get(text)) die("bad string");
            totals.checksum += text.size() + static_cast<unsigned char>(text.empty() ? 0 : text[0]);
            break;
          }
          case simdjson::ondemand::json_type::number: {
            int64_t number;
            if (value.get_int64().get(number)) die("bad integer");
            totals.checksum += static_cast<uint64_t>(number);
            break;
          }
          case simdjson::ondemand::json_type::boolean: {
            bool flag;
            if (value.get_bool().get(flag)) die("bad bool");
            totals.checksum += flag;
            break;
          }
          default:  // null
            break;
        }
        ++totals.fields;
      }
      ++totals.records;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: parse_limit DIR [RUNS]");
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<Page> pages;
  uint64_t bytes = 0;
  for (const auto& path : paths) {
    const std::string name = path.filename().string();
    Page page;
    page.stream = name.substr(0, name.find('-'));
    if (simdjson::padded_string::load(path.string()).get(page.body))
      die("cannot read " + path.string());
    bytes += page.body.size();
    pages.push_back(std::move(page));
  }
  simdjson::ondemand::parser parser;
  std::vector<double> seconds;
  Totals totals;
  for (int run = 0; run < runs; ++run) {
    totals = Totals();
    const auto start = std::chrono::steady_clock::now();
    for (auto& page : pages) parsePage(parser, page, totals);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  std::printf(
      "{\"pages\": %zu, \"bytes\": %llu, \"records\": %llu, \"fields\": %llu, \"checksum\": %llu, "
      "\"seconds\": %.6f, \"runs\": %d}\n",
      pages.size(), static_cast<unsigned long long>(bytes),
      static_cast<unsigned long long>(totals.records),
      static_cast<unsigned long long>(totals.fields),
      static_cast<unsigned long long>(totals.checksum), sorted[sorted.size() / 2], runs);
  return 0;
}
