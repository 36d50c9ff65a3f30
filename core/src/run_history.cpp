#include "kalshi_direct/engine/run_history.h"

#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {

namespace {

constexpr const char* kCreateSql =
    "CREATE TABLE IF NOT EXISTS kd_runs ("
    " id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL,"
    " started_at TEXT NOT NULL, finished_at TEXT NOT NULL, finished_at_us INTEGER NOT NULL,"
    " seconds REAL NOT NULL, result TEXT NOT NULL, exit_code INTEGER NOT NULL, error TEXT,"
    " source TEXT NOT NULL, fallback_reason TEXT,"
    " records_read INTEGER NOT NULL, commits INTEGER NOT NULL, rejected INTEGER NOT NULL,"
    " retries INTEGER NOT NULL, http_requests INTEGER NOT NULL, http_429 INTEGER NOT NULL,"
    " http_retries INTEGER NOT NULL)";

constexpr const char* kColumns =
    "id, pipeline, started_at, finished_at, finished_at_us, seconds, result, exit_code, error,"
    " source, fallback_reason, records_read, commits, rejected, retries, http_requests, http_429,"
    " http_retries";

std::string resultOf(const RunReport& report) {
  if (report.exit_code == kExitPartial) return "partial";
  if (report.exit_code != kExitOk) return "failed";
  return report.interrupted ? "interrupted" : "ok";
}

uint64_t count(const StoreStatement& row, int column) {
  return row.columnIsNull(column) ? 0 : static_cast<uint64_t>(row.columnInt(column));
}

RunRecord readRecord(const StoreStatement& row) {
  RunRecord r;
  r.id = row.columnInt(0);
  r.pipeline = row.columnText(1);
  r.started_at = row.columnText(2);
  r.finished_at = row.columnText(3);
  r.finished_at_us = row.columnInt(4);
  r.seconds = row.columnDouble(5);
  r.result = row.columnText(6);
  r.exit_code = static_cast<int>(row.columnInt(7));
  r.error = row.columnIsNull(8) ? "" : row.columnText(8);
  r.fallback = row.columnText(9) == "fallback";
  r.fallback_reason = row.columnIsNull(10) ? "" : row.columnText(10);
  r.records_read = count(row, 11);
  r.commits = count(row, 12);
  r.rejected = count(row, 13);
  r.retries = count(row, 14);
  r.http_requests = count(row, 15);
  r.http_429 = count(row, 16);
  r.http_retries = count(row, 17);
  return r;
}

std::optional<RunRecord> newest(Store& store, const std::string& where) {
  if (!store.tableExists("kd_runs")) return std::nullopt;
  auto query = store.prepare(std::string("SELECT ") + kColumns + " FROM kd_runs" + where +
                             " ORDER BY id DESC LIMIT 1");
  if (!query->step()) return std::nullopt;
  return readRecord(*query);
}

}  // namespace

RunRecord runRecordOf(const RunReport& report, int64_t started_us, int64_t finished_us) {
  RunRecord r;
  r.pipeline = report.pipeline;
  r.started_at = Timestamp::fromMicros(started_us).toIso8601();
  r.finished_at = Timestamp::fromMicros(finished_us).toIso8601();
  r.finished_at_us = finished_us;
  r.seconds = report.seconds;
  r.result = resultOf(report);
  r.exit_code = report.exit_code;
  r.error = report.error;
  r.fallback = report.used_fallback;
  r.fallback_reason = report.fallback_reason;
  r.records_read = report.records_read;
  r.commits = report.commits;
  r.rejected = report.rejected;
  r.retries = report.retries;
  for (const auto& stage : report.stages) {
    for (const auto& [name, value] : stage.counters) {
      if (name == "http_requests") r.http_requests += value;
      if (name == "http_429") r.http_429 += value;
      if (name == "http_retries") r.http_retries += value;
    }
  }
  return r;
}

void appendRunRecord(Store& store, const RunRecord& r) {
  store.begin();
  try {
    store.exec(kCreateSql);
    auto insert = store.prepare(
        "INSERT INTO kd_runs (pipeline, started_at, finished_at, finished_at_us, seconds, result,"
        " exit_code, error, source, fallback_reason, records_read, commits, rejected, retries,"
        " http_requests, http_429, http_retries)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert->bindText(1, r.pipeline);
    insert->bindText(2, r.started_at);
    insert->bindText(3, r.finished_at);
    insert->bindInt(4, r.finished_at_us);
    insert->bindDouble(5, r.seconds);
    insert->bindText(6, r.result);
    insert->bindInt(7, r.exit_code);
    if (r.error.empty())
      insert->bindNull(8);
    else
      insert->bindText(8, r.error);
    insert->bindText(9, r.fallback ? "fallback" : "live");
    if (r.fallback_reason.empty())
      insert->bindNull(10);
    else
      insert->bindText(10, r.fallback_reason);
    const uint64_t counts[] = {r.records_read,  r.commits,  r.rejected,    r.retries,
                               r.http_requests, r.http_429, r.http_retries};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; ++i)
      insert->bindInt(static_cast<int>(11 + i), static_cast<int64_t>(counts[i]));
    insert->run();
    store.commit();
  } catch (...) {
    store.rollback();
    throw;
  }
}

std::optional<RunRecord> latestRun(Store& store) { return newest(store, ""); }

std::optional<RunRecord> latestSuccessfulRun(Store& store) {
  return newest(store, " WHERE result IN ('ok', 'partial')");
}

RunTotals runTotals(Store& store) {
  RunTotals t;
  if (!store.tableExists("kd_runs")) return t;
  auto query = store.prepare(
      "SELECT COUNT(*), SUM(CASE WHEN result = 'failed' THEN 1 ELSE 0 END), SUM(records_read),"
      " SUM(rejected), SUM(retries), SUM(http_requests), SUM(http_429), SUM(http_retries)"
      " FROM kd_runs");
  if (query->step()) {
    uint64_t* fields[] = {&t.runs,    &t.failed,        &t.records_read, &t.rejected,
                          &t.retries, &t.http_requests, &t.http_429,     &t.http_retries};
    for (int i = 0; i < 8; ++i) *fields[i] = count(*query, i);
  }
  return t;
}

}  // namespace kalshi_direct
