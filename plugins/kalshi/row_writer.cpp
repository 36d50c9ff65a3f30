#include "kalshi/row_writer.h"

#include <algorithm>

namespace kalshi_direct {
namespace kalshi {

void RowWriter::open(Store& database) {
  database_ = &database;
  // Checks and adopts an existing table (columns it lacks are added with their types).
  indexes_deferred_ = createTable(database, table_, defer_indexes_);
  upsert_ = database.bulkUpsert(table_.name, table_.columns, table_.key);
  for (const auto& column : table_.not_null)
    not_null_columns_.push_back(columnIndex(table_, column));
  field_hint_.assign(table_.columns.size(), 0);
  defaults_ = columnDefaults(table_);
}

size_t RowWriter::columnIndex(const TableDefinition& table, const std::string& column) {
  return static_cast<size_t>(std::find(table.columns.begin(), table.columns.end(), column) -
                             table.columns.begin());
}

void RowWriter::finish() {
  flush();
  if (indexes_deferred_) createIndexes(*database_, table_);
  indexes_deferred_ = false;
}

WriteResult RowWriter::add(const Batch& batch) {
  WriteResult result;
  row_.resize(table_.columns.size());
  for (size_t index = 0; index < batch.records.size(); ++index) {
    const auto& fields = batch.records[index].fields();
    for (size_t column = 0; column < table_.columns.size(); ++column) {
      const std::string& name = table_.columns[column];
      size_t& hint = field_hint_[column];
      row_[column] = nullptr;
      if (hint < fields.size() && fields[hint].name == name) {
        row_[column] = &fields[hint].value;
        continue;
      }
      for (size_t f = 0; f < fields.size(); ++f) {
        if (fields[f].name == name) {
          row_[column] = &fields[f].value;
          hint = f;
          break;
        }
      }
    }
    bool complete = true;
    for (size_t column : not_null_columns_) {
      if (!row_[column] || row_[column]->isNull()) {
        result.rejected.push_back(
            {index, "missing " + table_.columns[column] + " for " + table_.name});
        complete = false;
        break;
      }
    }
    if (!complete) continue;
    if (buffer_.empty()) buffer_.reserve(kBufferBytes + kRowSlackBytes);
    if (ticker_column_ < row_.size() && row_[ticker_column_]) {
      const std::string* ticker = row_[ticker_column_]->ifString();
      if (ticker && (changed_markets_.empty() || changed_markets_.back() != *ticker))
        changed_markets_.push_back(*ticker);
    }
    buffer_.beginRow();
    for (size_t column = 0; column < row_.size(); ++column) {
      const Value* value = row_[column];
      buffer_.add(value && !value->isNull() ? *value : defaults_[column]);
    }
    buffer_.endRow();
    if (buffer_.rows() >= buffer_rows_ || buffer_.bytes() >= kBufferBytes) flush();
  }
  return result;
}

void RowWriter::flush() {
  if (!changed_markets_.empty()) {
    std::sort(changed_markets_.begin(), changed_markets_.end());
    changed_markets_.erase(std::unique(changed_markets_.begin(), changed_markets_.end()),
                           changed_markets_.end());
    if (table_.changes_market_pnl) markMarketPnlChanged(*database_, changed_markets_);
    if (table_.lists_tickers) recordTickers(*database_, changed_markets_);
    changed_markets_.clear();
  }
  if (buffer_.empty()) return;
  if (!table_.key.empty()) buffer_.sortByKey();
  for (size_t row = 0; row < buffer_.rows(); ++row) {
    buffer_.bind(row, *upsert_);
    upsert_->addRow();
  }
  upsert_->finish();
  written_ += buffer_.rows();
  // Freed, not kept: a writer whose stream has ended (orders while fills stream) holds nothing,
  // and refilling a fresh 8 MiB mapping costs ~2,000 page faults per flush.
  buffer_.release();
}

}  // namespace kalshi
}  // namespace kalshi_direct
