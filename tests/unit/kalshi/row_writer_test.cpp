// RowWriter's bulk load (row_writer.h, "Bulk load"): what a first load writes through the staging
// table equals what upserts write, row for row and type for type, with the same markets recorded;
// a stopped load goes on staging when resumed, and a failed one is moved in by the next writer.
#include "kalshi/row_writer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "kalshi/tables.h"
#include "kalshi_direct/engine/sqlite.h"
#include "kalshi_direct/engine/stores.h"

namespace kalshi_direct {
namespace kalshi {
namespace {

// Fill records as normalize_orders makes them, in random id order: some ids come again later with
// another price (the later one must win), some lack optional fields (NULL) or the subaccount (its
// default, 0).
std::vector<Batch> fillBatches(size_t fills, size_t per_batch, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<Batch> batches;
  Batch batch{"fills", {}};
  for (size_t i = 0; i < fills; ++i) {
    const size_t n = i % 7 == 6 ? random() % (i + 1) : i;  // every 7th: an id seen before, again
    Record fill({{"id", Value("F-" + std::to_string(n * 2654435761u % 1000003))},
                 {"ticker", Value("KX-" + std::to_string(n % 13))},
                 {"side", Value(n % 2 ? "BUY" : "SELL")},
                 {"contract_side", Value(n % 3 ? "yes" : "no")},
                 {"outcome_side", Value(n % 5 ? "yes" : "no")},
                 {"quantity", Value(static_cast<int64_t>(n % 40 + 1))},
                 {"quantity_fp", Value(Decimal(static_cast<int64_t>(n % 40 + 1) * 100, 2))},
                 {"price", Value(Decimal(static_cast<int64_t>(random() % 9900 + 100), 2))},
                 {"yes_price_dollars", Value(Decimal(static_cast<int64_t>(random() % 9999), 4))},
                 {"no_price_dollars", Value(Decimal(static_cast<int64_t>(n % 9999), 4))},
                 {"fee_dollars", Value(Decimal(static_cast<int64_t>(n % 300), 4))},
                 {"fee_cents", Value(static_cast<int64_t>(n % 3))},
                 {"is_taker", Value(n % 2 == 0)},
                 {"filled_at", Value(Timestamp::fromMicros(1700000000000000 + int64_t(n) * 1000))},
                 {"filled_at_us", Value(static_cast<int64_t>(1700000000000000 + n * 1000))}});
    if (n % 4) fill.set("order_id", Value("O-" + std::to_string(n / 3)));
    if (n % 11) fill.set("category", Value(n % 2 ? "weather" : "crypto"));
    if (n % 9 == 0) fill.set("subaccount", Value(static_cast<int64_t>(n % 4)));
    batch.records.push_back(std::move(fill));
    if (batch.records.size() == per_batch) batches.push_back(std::exchange(batch, {"fills", {}}));
  }
  if (!batch.records.empty()) batches.push_back(std::move(batch));
  return batches;
}

// Every row of `table` with each column's type and text, in key order.
std::vector<std::string> dump(Store& store, const std::string& table, const std::string& key) {
  std::vector<std::string> rows;
  StoreStatementPtr query = store.prepare("SELECT * FROM " + table + " ORDER BY " + key);
  while (query->step()) {
    std::string row;
    for (int column = 0; column < query->columnCount(); ++column) {
      row += std::to_string(static_cast<int>(query->columnType(column))) + ":" +
             (query->columnIsNull(column) ? "NULL" : query->columnText(column)) + "|";
    }
    rows.push_back(row);
  }
  return rows;
}

int64_t count(Store& store, const std::string& sql) {
  StoreStatementPtr query = store.prepare(sql);
  return query->step() ? query->columnInt(0) : -1;
}

// The indexes of kalshi_fills, by name and SQL.
std::vector<std::string> indexes(Store& store) {
  return dump(store,
              "(SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
              "'kalshi_fills')",
              "name");
}

// Writes `batches` with a writer of `bulk_load`, committing after each, then finishes; `staged`:
// whether the rows must go through the staging table.
void load(Store& store, const std::vector<Batch>& batches, bool bulk_load, bool staged) {
  store.begin();
  RowWriter writer(fillsTable(), /*buffer_rows=*/700, /*defer_indexes=*/true, bulk_load);
  writer.open(store);
  EXPECT_EQ(writer.bulkLoading(), staged);
  for (const auto& batch : batches) {
    EXPECT_TRUE(writer.add(batch).rejected.empty());
    writer.flush();
    store.commit();
    store.begin();
  }
  if (staged) {
    EXPECT_EQ(count(store, "SELECT count(*) FROM kalshi_fills"), 0)
        << "a bulk load must not write into the table before its end";
    EXPECT_GT(count(store, "SELECT count(*) FROM " + RowWriter::stagingTable(fillsTable())), 0);
  }
  writer.finish();
  store.commit();
}

class RowWriterBulkTest : public ::testing::Test {
 protected:
  StorePtr bulk_ = openStore(":memory:", Store::Mode::kReadWriteCreate);
  StorePtr upsert_ = openStore(":memory:", Store::Mode::kReadWriteCreate);
  const std::string staging_ = RowWriter::stagingTable(fillsTable());
};

TEST_F(RowWriterBulkTest, FirstLoadEqualsUpsertsRowForRow) {
  const auto batches = fillBatches(5000, 900, 7);
  load(*bulk_, batches, true, true);
  load(*upsert_, batches, false, false);
  const auto rows = dump(*upsert_, "kalshi_fills", "id");
  ASSERT_GT(rows.size(), 3000u);
  ASSERT_LT(rows.size(), 5000u) << "the records must repeat some ids";
  EXPECT_EQ(dump(*bulk_, "kalshi_fills", "id"), rows);
  EXPECT_EQ(dump(*bulk_, "kalshi_pnl_dirty", "ticker"),
            dump(*upsert_, "kalshi_pnl_dirty", "ticker"));
  EXPECT_EQ(dump(*bulk_, "kalshi_tickers", "ticker"), dump(*upsert_, "kalshi_tickers", "ticker"));
  EXPECT_EQ(indexes(*bulk_), indexes(*upsert_));
  EXPECT_EQ(indexes(*bulk_).size(), 8u);  // the key's and the 7 secondary ones
  EXPECT_FALSE(bulk_->tableExists(staging_));
}

TEST_F(RowWriterBulkTest, AnIndexAReaderBuiltMidLoadHoldsEveryLoadedRow) {
  const auto batches = fillBatches(3000, 1000, 5);
  bulk_->begin();
  RowWriter writer(fillsTable(), 700, true, true);
  writer.open(*bulk_);
  writer.add(batches[0]);
  writer.flush();
  // The P&L model builds the index it reads on the (still empty) table as soon as it runs.
  createIndexes(*bulk_, fillsTable(), {"kalshi_fills_market"});
  writer.add(batches[1]);
  writer.add(batches[2]);
  writer.finish();
  bulk_->commit();
  load(*upsert_, batches, false, false);
  EXPECT_EQ(dump(*bulk_, "kalshi_fills", "id"), dump(*upsert_, "kalshi_fills", "id"));
  EXPECT_EQ(indexes(*bulk_), indexes(*upsert_));
  EXPECT_EQ(count(*bulk_,
                  "SELECT count(*) FROM kalshi_fills INDEXED BY kalshi_fills_market "
                  "WHERE ticker >= ''"),
            count(*upsert_, "SELECT count(*) FROM kalshi_fills"));
}

TEST_F(RowWriterBulkTest, ALaterRunIntoTheFilledTableUpserts) {
  const auto batches = fillBatches(3000, 1000, 11);
  load(*bulk_, {batches[0], batches[1]}, true, true);
  load(*bulk_, {batches[2]}, true, false);  // into a table with rows: upserts
  load(*upsert_, batches, false, false);
  EXPECT_EQ(dump(*bulk_, "kalshi_fills", "id"), dump(*upsert_, "kalshi_fills", "id"));
}

TEST_F(RowWriterBulkTest, AStoppedLoadGoesOnStagingAndAFailedOneIsMovedInByTheNextWriter) {
  const auto batches = fillBatches(4000, 1000, 3);
  {
    // A run that commits two batches and dies (no finish()).
    bulk_->begin();
    RowWriter writer(fillsTable(), 700, true, true);
    writer.open(*bulk_);
    for (size_t i = 0; i < 2; ++i) {
      writer.add(batches[i]);
      writer.flush();
    }
    bulk_->commit();
  }
  {
    // The resumed run goes on staging, and a rolled-back transaction takes only its own rows.
    bulk_->begin();
    RowWriter writer(fillsTable(), 700, true, true);
    writer.open(*bulk_);
    EXPECT_TRUE(writer.bulkLoading());
    writer.add(batches[3]);
    writer.flush();
    bulk_->rollback();
    writer.discard();
    bulk_->begin();
    writer.add(batches[2]);
    writer.flush();
    bulk_->commit();
  }
  EXPECT_EQ(count(*bulk_, "SELECT count(*) FROM kalshi_fills"), 0);
  // A writer without bulk_load (say, the live pipeline) moves the staged rows in at open.
  bulk_->begin();
  RowWriter writer(fillsTable(), 700, true, false);
  writer.open(*bulk_);
  EXPECT_FALSE(bulk_->tableExists(staging_));
  writer.add(batches[3]);
  writer.finish();
  bulk_->commit();
  load(*upsert_, batches, false, false);
  EXPECT_EQ(dump(*bulk_, "kalshi_fills", "id"), dump(*upsert_, "kalshi_fills", "id"));
  EXPECT_EQ(dump(*bulk_, "kalshi_pnl_dirty", "ticker"),
            dump(*upsert_, "kalshi_pnl_dirty", "ticker"));
}

// Prices and settlements are written again by every sync. A row whose values the P&L reads did
// not change marks no market (kalshi_markets.updated_at, when it was read, is not one of them,
// and is still updated); a row written again with every value the same is not rewritten at all.
TEST(RowWriterTest, ARowWrittenAgainMarksItsMarketOnlyWhenAValueThePnlReadsChanged) {
  StorePtr store = openStore(":memory:", Store::Mode::kReadWriteCreate);
  auto market = [](const char* ticker, const char* last_price, const char* updated_at) {
    return Record({{"ticker", Value(ticker)},
                   {"event_ticker", Value("EV")},
                   {"title", Value("A market")},
                   {"last_price_dollars", Value(last_price)},
                   {"updated_at", Value(updated_at)}});
  };
  auto write = [&](std::vector<Record> records) {
    RowWriter writer(marketsTable());
    writer.open(*store);
    EXPECT_TRUE(writer.add(Batch{"markets", std::move(records)}).rejected.empty());
    writer.finish();
  };
  auto dirty = [&] {
    std::vector<std::string> rows = dump(*store, "kalshi_pnl_dirty", "ticker");
    store->exec("DELETE FROM kalshi_pnl_dirty");
    return rows;
  };
  auto changes = [&] { return count(*store, "SELECT total_changes()"); };
  store->begin();
  write({market("A", "0.50", "t1"), market("B", "0.20", "t1")});
  EXPECT_EQ(dirty().size(), 2u) << "new rows";

  write({market("A", "0.50", "t2"), market("B", "0.25", "t2")});
  EXPECT_EQ(dirty(), std::vector<std::string>{"3:B|"}) << "B's price moved, A's did not";
  EXPECT_EQ(count(*store, "SELECT count(*) FROM kalshi_markets WHERE updated_at = 't2'"), 2);

  const int64_t before = changes();
  write({market("A", "0.50", "t2"), market("B", "0.25", "t2")});
  EXPECT_TRUE(dirty().empty());
  EXPECT_EQ(changes(), before) << "identical rows are not rewritten";

  write({market("A", "0.50", "t3"), market("C", "0.10", "t3")});
  EXPECT_EQ(dirty(), std::vector<std::string>{"3:C|"}) << "a new market";
  store->commit();
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct
