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
  if (table_.changes_market_pnl && !table_.pnl_columns.empty() && !table_.key.empty() &&
      ticker_column_ < table_.columns.size()) {
    // Key columns by equality, the others as NULL-safe comparisons.
    std::string sql = std::string("SELECT 1 FROM ") + table_.name + " WHERE ";
    unchanged_parameter_.assign(table_.columns.size(), 0);
    int parameter = 0;
    for (const auto& column : table_.key) {
      sql += (parameter ? " AND " : "") + column + " = ?";
      unchanged_parameter_[columnIndex(table_, column)] = ++parameter;
    }
    for (const auto& column : table_.pnl_columns) {
      sql += " AND " + column + " IS NOT DISTINCT FROM ?";
      unchanged_parameter_[columnIndex(table_, column)] = ++parameter;
    }
    unchanged_ = database.prepare(sql);
  }
  const std::string staging = stagingTable(table_);
  const bool staged = database.tableExists(staging);
  bool empty = false;
  if (bulk_load_ && !table_.key.empty() && database.kind() == "sqlite") {
    StoreStatementPtr any =
        database.prepare(std::string("SELECT 1 FROM ") + table_.name + " LIMIT 1");
    empty = !any->step();
  }
  // A staging table of this build's columns, left by a run that stopped: go on with its load.
  if (empty && (!staged || database.tableColumns(staging) == table_.columns)) {
    bulk_ = true;
    prepareStaging();
    return;
  }
  if (staged) moveStagedRows();
}

std::string RowWriter::stagingTable(const TableDefinition& table) {
  return std::string("kd_staging_") + table.name;
}

void RowWriter::prepareStaging() {
  std::string columns;
  for (const auto& column : table_.columns) columns += (columns.empty() ? "" : ", ") + column;
  // Untyped columns: the values keep the types they were bound with until the move, where the
  // table's column types apply to them exactly as to an upsert's.
  database_->exec("CREATE TABLE IF NOT EXISTS " + stagingTable(table_) + " (" + columns + ")");
  stage_ = database_->bulkUpsert(stagingTable(table_), table_.columns, {});
}

void RowWriter::moveStagedRows() {
  const std::string staging = stagingTable(table_);
  // The columns both have (a staging table of an older build may lack a newer column).
  std::vector<std::string> columns;
  for (const auto& column : database_->tableColumns(staging)) {
    if (columnIndex(table_, column) < table_.columns.size()) columns.push_back(column);
  }
  const std::string list = columnList(columns);
  std::string key;
  for (const auto& part : table_.key) key += part + ", ";
  std::vector<std::string> tickers;
  if (ticker_column_ < table_.columns.size()) {
    StoreStatementPtr query = database_->prepare("SELECT DISTINCT ticker FROM " + staging +
                                                 " WHERE ticker IS NOT NULL ORDER BY ticker");
    while (query->step()) tickers.push_back(query->columnText(0));
  }
  {
    // One sort by key (spilling to temporary files, so memory stays flat) and appends in key
    // order; rowid breaks ties in staging order, so the last row of a key wins.
    SortMemoryLimit sort_memory(*database_);
    database_->exec("INSERT INTO " + std::string(table_.name) + " (" + list + ") SELECT " + list +
                    " FROM " + staging + " WHERE true ORDER BY " + key + "rowid" +
                    onConflictSql(table_.name, columns, table_.key));
  }
  database_->exec("DROP TABLE " + staging);
  if (table_.changes_market_pnl && !tickers.empty()) markMarketPnlChanged(*database_, tickers);
  if (table_.lists_tickers && !tickers.empty()) recordTickers(*database_, tickers);
}

size_t RowWriter::columnIndex(const TableDefinition& table, const std::string& column) {
  return static_cast<size_t>(std::find(table.columns.begin(), table.columns.end(), column) -
                             table.columns.begin());
}

void RowWriter::finish() {
  flush();
  if (bulk_) {
    if (database_->tableExists(stagingTable(table_))) moveStagedRows();
    bulk_ = false;
    stage_.reset();
  }
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
    if (!bulk_ && !unchanged_ && ticker_column_ < row_.size() && row_[ticker_column_]) {
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

namespace {

// Binds the columns of a row that have a parameter in `target` (parameter_of[column - 1] > 0),
// and keeps the text of one column (the market's ticker).
class ProjectedRow final : public RowBinder {
 public:
  ProjectedRow(StoreStatement& target, const std::vector<int>& parameter_of, size_t kept_column)
      : target_(target), parameter_of_(parameter_of), kept_(static_cast<int>(kept_column) + 1) {}
  void bindNull(int index) override {
    if (int at = parameter(index)) target_.bindNull(at);
  }
  void bindInt(int index, int64_t value) override {
    if (int at = parameter(index)) target_.bindInt(at, value);
  }
  void bindDouble(int index, double value) override {
    if (int at = parameter(index)) target_.bindDouble(at, value);
  }
  void bindText(int index, std::string_view text) override {
    if (index == kept_) kept_text = text;
    if (int at = parameter(index)) target_.bindText(at, text);
  }
  void bindTextStatic(int index, std::string_view text) override {
    if (index == kept_) kept_text = text;
    if (int at = parameter(index)) target_.bindTextStatic(at, text);
  }
  std::string_view kept_text;  // the kept column's text ("" when it is not text)

 private:
  int parameter(int index) const { return parameter_of_[static_cast<size_t>(index - 1)]; }
  StoreStatement& target_;
  const std::vector<int>& parameter_of_;
  int kept_;
};

}  // namespace

void RowWriter::collectChangedMarkets() {
  for (size_t row = 0; row < buffer_.rows(); ++row) {
    ProjectedRow bound(*unchanged_, unchanged_parameter_, ticker_column_);
    buffer_.bind(row, bound);
    const bool unchanged = unchanged_->step();
    unchanged_->reset();
    if (!unchanged && !bound.kept_text.empty() &&
        (changed_markets_.empty() || changed_markets_.back() != bound.kept_text))
      changed_markets_.emplace_back(bound.kept_text);
  }
}

void RowWriter::flush() {
  if (unchanged_ && !bulk_) collectChangedMarkets();
  if (!changed_markets_.empty()) {
    std::sort(changed_markets_.begin(), changed_markets_.end());
    changed_markets_.erase(std::unique(changed_markets_.begin(), changed_markets_.end()),
                           changed_markets_.end());
    if (table_.changes_market_pnl) markMarketPnlChanged(*database_, changed_markets_);
    if (table_.lists_tickers) recordTickers(*database_, changed_markets_);
    changed_markets_.clear();
  }
  if (buffer_.empty()) return;
  BulkUpsert* writer = upsert_.get();
  if (bulk_) {
    // A rollback undoes the staging table with the transaction that created it.
    if (!database_->tableExists(stagingTable(table_))) prepareStaging();
    writer = stage_.get();  // unindexed: arrival order is as good as any
  } else if (!table_.key.empty()) {
    buffer_.sortByKey();
  }
  for (size_t row = 0; row < buffer_.rows(); ++row) {
    buffer_.bind(row, *writer);
    writer->addRow();
  }
  writer->finish();
  written_ += buffer_.rows();
  // Freed, not kept: a writer whose stream has ended (orders while fills stream) holds nothing,
  // and refilling a fresh 8 MiB mapping costs ~2,000 page faults per flush.
  buffer_.release();
}

}  // namespace kalshi
}  // namespace kalshi_direct
