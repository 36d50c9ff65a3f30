// RowWriter: upserts records into one of the dashboard tables inside the engine's transaction.
//
// Rows are matched to columns by field name (missing fields are NULL, extra fields ignored). They
// are buffered (packed: see packed_rows.h) and written at flush() sorted by key: Kalshi ids are
// random UUIDs, and inserting them in sorted runs touches far fewer B-tree pages than arrival
// order (docs/architecture measurements: ~210k -> ~320k rows/s). They are written with the store's
// bulk path (Store::bulkUpsert: on PostgreSQL one COPY and one upsert per flush). The buffer
// flushes itself at buffer_rows rows or kBufferBytes bytes, whichever comes first. A row lacking a
// NOT NULL column is rejected at add(). For a table with changes_market_pnl, flush() also records
// the markets of the rows in kalshi_pnl_dirty (markMarketPnlChanged): with pnl_columns only those
// of rows that are new or differ from the stored row in one of them (checked before the write),
// else of every row. With lists_tickers it records them in kalshi_tickers (recordTickers). Both
// in the same transaction.
//
// Bulk load (bulk_load, SQLite): into a table that is empty when the writer opens (a first
// backfill), rows are not upserted one by one into the table and its indexes, primary key
// included: each flush appends them to an unindexed staging table, kd_staging_<table>, committed
// with the run's state like any row (exactly once: a resumed run goes on staging). At finish() (or
// completeBulkLoad(), when the run stops early) one INSERT ... SELECT ... ORDER BY key moves them
// into the table in key order (of rows with the same key the last staged wins, as with upserts),
// the staging table is dropped, the markets are recorded as above, and the indexes are built once.
// Readers see the rows from then on; a run that fails leaves them staged, and the next writer of
// the table (any pipeline's) moves them in at open(). On a non-empty table, or with bulk_load off,
// rows are upserted as above: the results are the same row for row (tests/unit).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kalshi/packed_rows.h"
#include "kalshi/tables.h"
#include "kalshi_direct/plugin.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

class RowWriter {
 public:
  static constexpr size_t kBufferRows = 50000;
  static constexpr size_t kBufferBytes = 8u << 20;
  static constexpr size_t kRowSlackBytes = 64u
                                           << 10;  // reserved beyond kBufferBytes: one row's room
  explicit RowWriter(const TableDefinition& table, size_t buffer_rows = kBufferRows,
                     bool defer_indexes = false, bool bulk_load = false)
      : table_(table),
        buffer_rows_(buffer_rows),
        defer_indexes_(defer_indexes),
        bulk_load_(bulk_load),
        buffer_(table.columns.size(),
                table.key.empty() ? table.columns.size() : columnIndex(table, table.key.front())),
        ticker_column_(table.changes_market_pnl || table.lists_tickers
                           ? columnIndex(table, "ticker")
                           : table.columns.size()) {}

  // Creates the table (and indexes, or with defer_indexes into an empty table not yet: see
  // createTable()) if missing and prepares the upsert. Moves in rows a failed bulk load left
  // staged, unless this writer goes on with that load (bulk_load and the table still empty).
  void open(Store& database);
  // Writes everything buffered, ends a bulk load and builds deferred indexes (at the end of a run).
  void finish();
  // What finish() does, for a run that stops early: its rows are committed, so readers should
  // see them. Later rows are upserted.
  void completeBulkLoad() { finish(); }
  // Whether rows are going to the staging table (see "Bulk load" above).
  bool bulkLoading() const { return bulk_; }
  // The staging table of a bulk load into `table`.
  static std::string stagingTable(const TableDefinition& table);
  // Buffers the batch's rows; flushes when the buffer is full. Rejections index into the batch.
  WriteResult add(const Batch& batch);
  // Writes everything buffered and frees the buffer.
  void flush();
  void discard() {
    buffer_.release();
    changed_markets_.clear();
  }
  uint64_t written() const { return written_; }

 private:
  // Position of `column` in table.columns (columns.size() when absent).
  static size_t columnIndex(const TableDefinition& table, const std::string& column);
  // Creates the staging table if missing (also after a rollback undid it) and prepares its insert.
  void prepareStaging();
  // Moves every staged row into the table in key order, records their markets, drops the staging.
  void moveStagedRows();
  // With pnl_columns: adds to changed_markets_ the market of each buffered row that is new or
  // differs from its stored row in a pnl column (before the rows are written).
  void collectChangedMarkets();

  const TableDefinition& table_;
  size_t buffer_rows_;
  bool defer_indexes_;
  bool bulk_load_;       // the option: bulk-load an empty table
  bool bulk_ = false;    // rows go to the staging table
  BulkUpsertPtr stage_;  // INSERT into the staging table
  bool indexes_deferred_ = false;
  Store* database_ = nullptr;
  BulkUpsertPtr upsert_;
  std::vector<size_t> not_null_columns_;
  PackedRows buffer_;
  std::vector<const Value*> row_;   // the record's value per column (scratch)
  std::vector<size_t> field_hint_;  // column -> field position seen last (records share a shape)
  std::vector<Value> defaults_;     // per column: what a missing or null field is written as
  uint64_t written_ = 0;
  size_t ticker_column_;  // table.columns.size() unless changes_market_pnl or lists_tickers
  // With pnl_columns: SELECT 1 when the stored row of a key holds the same pnl_columns.
  StoreStatementPtr unchanged_;
  std::vector<int> unchanged_parameter_;      // per column (0-based): its parameter there, or 0
  std::vector<std::string> changed_markets_;  // since the last flush, sorted and unique at flush
};

}  // namespace kalshi
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace kalshi {

// A sink that upserts its stream into one dashboard table (kalshi_orders, kalshi_fills).
class TableSink final : public Sink {
 public:
  // bulk_load: the sinks' option of that name (RowWriter, "Bulk load").
  TableSink(std::string path, const TableDefinition& table, bool bulk_load = false)
      : path_(std::move(path)),
        writer_(table, RowWriter::kBufferRows, /*defer_indexes=*/true, bulk_load) {}
  std::string storeLocation() const override { return path_; }
  Status open(SinkContext& context) override {
    if (!context.store()) return Status::failed("no store");
    try {
      ensureSchema(*context.store());
      writer_.open(*context.store());
      context_ = &context;
    } catch (const TableConflict& conflict) {
      return Status::invalidConfig(conflict.what());  // before any I/O: exit 2, nothing written
    }
    return Status::ok();
  }
  WriteResult write(const Batch& batch) override { return writer_.add(batch); }
  Status flush() override {
    writer_.flush();
    // A run stopping early still commits what it read: a bulk load ends now so readers see it.
    if (writer_.bulkLoading() && context_->stopRequested()) writer_.completeBulkLoad();
    return Status::ok();
  }
  Status finish() override {
    writer_.finish();
    return Status::ok();
  }
  void rollback() override { writer_.discard(); }

 private:
  std::string path_;
  RowWriter writer_;
  SinkContext* context_ = nullptr;
};

}  // namespace kalshi
}  // namespace kalshi_direct
