// insert_limit: how fast this machine can insert the rows a backfill writes.
//
// Loads every row of the given tables from SOURCE (the database kalshi-direct's backfill wrote)
// into memory, in the order they were written (rowid), then, RUNS times, into a fresh DEST: the
// same CREATE TABLE / CREATE INDEX statements, the same pragmas kalshi-direct's sinks use (WAL,
// synchronous=NORMAL, 16 MiB cache: sqlite::Database::kCacheKiB), one prepared INSERT per table,
// every row in one transaction, then close (which checkpoints the WAL). Two ways, each timed
// open-to-close, RUNS times:
//   indexed   the tables and their indexes first, then the rows in the order they were written;
//   bulk      the tables first, the rows sorted by their first column (the key: ids, tickers) so
//             the key's B-tree only appends, then the indexes (what a first load can do at best).
// Prints the medians as one JSON line; "seconds" is the faster way's: the machine's limit.
//
// build: g++ -O2 -std=c++17 insert_limit.cpp -lsqlite3 -o insert_limit
// usage: insert_limit SOURCE DEST RUNS TABLE...
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

struct Cell {
  int type = SQLITE_NULL;
  int64_t integer = 0;
  double real = 0;
  std::string text;
};

struct Table {
  std::string name;
  std::vector<std::string> ddl;  // CREATE TABLE, then its CREATE INDEX statements
  int columns = 0;
  std::vector<std::vector<Cell>> rows;
};

void die(const std::string& message) {
  std::fprintf(stderr, "insert_limit: %s\n", message.c_str());
  std::exit(1);
}

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    die(std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    die(sql + ": " + (error ? error : "?"));
  }
}

Table load(sqlite3* db, const std::string& name) {
  Table table;
  table.name = name;
  sqlite3_stmt* ddl = nullptr;
  check(db,
        sqlite3_prepare_v2(db,
                           "SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND sql IS NOT NULL "
                           "ORDER BY type = 'index', rowid",
                           -1, &ddl, nullptr),
        "prepare");
  sqlite3_bind_text(ddl, 1, name.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(ddl) == SQLITE_ROW) {
    table.ddl.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(ddl, 0)));
  }
  sqlite3_finalize(ddl);
  if (table.ddl.empty()) die("no table " + name + " in the source database");
  sqlite3_stmt* select = nullptr;
  check(db,
        sqlite3_prepare_v2(db, ("SELECT * FROM " + name + " ORDER BY rowid").c_str(), -1, &select,
                           nullptr),
        "prepare");
  table.columns = sqlite3_column_count(select);
  while (sqlite3_step(select) == SQLITE_ROW) {
    std::vector<Cell> row(table.columns);
    for (int c = 0; c < table.columns; ++c) {
      Cell& cell = row[c];
      cell.type = sqlite3_column_type(select, c);
      switch (cell.type) {
        case SQLITE_INTEGER:
          cell.integer = sqlite3_column_int64(select, c);
          break;
        case SQLITE_FLOAT:
          cell.real = sqlite3_column_double(select, c);
          break;
        case SQLITE_TEXT:
          cell.text.assign(reinterpret_cast<const char*>(sqlite3_column_text(select, c)),
                           static_cast<size_t>(sqlite3_column_bytes(select, c)));
          break;
        default:
          break;
      }
    }
    table.rows.push_back(std::move(row));
  }
  sqlite3_finalize(select);
  return table;
}

double insertAll(const std::string& path, const std::vector<Table>& tables, bool bulk) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix);
  const auto start = std::chrono::steady_clock::now();
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) die("cannot open " + path);
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, "PRAGMA synchronous=NORMAL");
  exec(db, "PRAGMA cache_size=-16384");
  for (const auto& table : tables) {
    for (size_t i = 0; i < (bulk ? 1 : table.ddl.size()); ++i) exec(db, table.ddl[i]);
  }
  exec(db, "BEGIN");
  for (const auto& table : tables) {
    std::string sql = "INSERT INTO " + table.name + " VALUES (";
    for (int c = 0; c < table.columns; ++c) sql += c ? ",?" : "?";
    sql += ")";
    sqlite3_stmt* insert = nullptr;
    check(db, sqlite3_prepare_v2(db, sql.c_str(), -1, &insert, nullptr), "prepare insert");
    std::vector<const std::vector<Cell>*> order;
    for (const auto& row : table.rows) order.push_back(&row);
    if (bulk) {
      std::stable_sort(order.begin(), order.end(),
                       [](const auto* a, const auto* b) { return (*a)[0].text < (*b)[0].text; });
    }
    for (const auto* row_pointer : order) {
      const std::vector<Cell>& row = *row_pointer;
      for (int c = 0; c < table.columns; ++c) {
        const Cell& cell = row[c];
        switch (cell.type) {
          case SQLITE_INTEGER:
            sqlite3_bind_int64(insert, c + 1, cell.integer);
            break;
          case SQLITE_FLOAT:
            sqlite3_bind_double(insert, c + 1, cell.real);
            break;
          case SQLITE_TEXT:
            sqlite3_bind_text(insert, c + 1, cell.text.data(), static_cast<int>(cell.text.size()),
                              SQLITE_STATIC);
            break;
          default:
            sqlite3_bind_null(insert, c + 1);
            break;
        }
      }
      check(db, sqlite3_step(insert), "insert");
      sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    if (bulk) {
      for (size_t i = 1; i < table.ddl.size(); ++i) exec(db, table.ddl[i]);
    }
  }
  exec(db, "COMMIT");
  sqlite3_close(db);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) die("usage: insert_limit SOURCE DEST RUNS TABLE...");
  const std::string source = argv[1], dest = argv[2];
  const int runs = std::max(1, std::atoi(argv[3]));
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(source.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    die("cannot open " + source);
  std::vector<Table> tables;
  size_t rows = 0;
  for (int i = 4; i < argc; ++i) {
    tables.push_back(load(db, argv[i]));
    rows += tables.back().rows.size();
  }
  sqlite3_close(db);
  std::vector<double> indexed, bulk;
  for (int run = 0; run < runs; ++run) {
    indexed.push_back(insertAll(dest, tables, false));
    bulk.push_back(insertAll(dest, tables, true));
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(dest + suffix);
  const auto median = [](std::vector<double> seconds) {
    std::sort(seconds.begin(), seconds.end());
    return seconds[seconds.size() / 2];
  };
  std::printf(
      "{\"rows\": %zu, \"tables\": %zu, \"seconds\": %.6f, \"indexed_seconds\": %.6f, "
      "\"bulk_seconds\": %.6f, \"runs\": %d}\n",
      rows, tables.size(), std::min(median(indexed), median(bulk)), median(indexed), median(bulk),
      runs);
  return 0;
}
