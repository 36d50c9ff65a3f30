// PackedRows: table rows buffered as the bytes SQLite will be given, for RowWriter's sorted runs.
//
// Each column holds what RowBinder::bind(Value) binds (store.h): NULL, an INTEGER (bool, int) or
// TEXT (string, decimal rendered exactly, timestamp as ISO 8601 UTC). Rows lie back to back in
// one byte arena, so a buffered kalshi_orders row costs its encoded size (~0.4 KB) instead of a
// vector of Values and their heap strings (~1.4 KB measured).
//
// Use: beginRow(), then add() exactly `columns` values in column order, then endRow() (or
// dropRow() to forget the partial row). sortByKey() orders the rows by the text of column
// `key_column` (none: pass `columns`), stably (two versions of one id keep their order, so the
// later one wins an upsert); rows whose key is not text compare equal. bind() binds row i to
// statement parameters 1..columns without copying: the text stays valid until release(), so call
// Statement::clearBindings() before that.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kalshi_direct/record.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

class PackedRows {
 public:
  PackedRows(size_t columns, size_t key_column) : columns_(columns), key_column_(key_column) {}

  void beginRow();
  void add(const Value& value);
  void endRow();
  void dropRow();

  void sortByKey();
  void bind(size_t row, RowBinder& statement) const;
  // The key column's text of row i ("" when it is not text).
  std::string_view key(size_t row) const;

  size_t rows() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  size_t bytes() const { return arena_.size(); }
  // Reserves arena room (untouched pages of a large reservation cost no resident memory).
  void reserve(size_t bytes) { arena_.reserve(bytes); }
  void release();  // forgets every row and gives the memory back

 private:
  enum Tag : char { kNull = 0, kInt = 1, kText = 2 };
  struct Row {
    size_t offset;      // first byte of the row in arena_
    size_t key_offset;  // the key's text in arena_
    uint32_t key_size;
  };
  void appendText(std::string_view text);

  size_t columns_;
  size_t key_column_;
  std::string arena_;
  std::vector<Row> rows_;
  Row open_{};        // the row being added: its start, and its key once added
  size_t added_ = 0;  // columns added to the open row
};

}  // namespace kalshi
}  // namespace kalshi_direct
