#include "kalshi_direct/engine/postgres_store.h"

#include <libpq-fe.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {

namespace {

// Type OIDs of pg_type (stable since PostgreSQL 7).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTimestampOid = 1114;
constexpr Oid kTimestampTzOid = 1184;

constexpr const char* kStateTableSql =
    "CREATE TABLE IF NOT EXISTS kd_state ("
    " scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL,"
    " PRIMARY KEY (scope, key))";

constexpr const char* kAccountsTableSql =
    "CREATE TABLE IF NOT EXISTS public.kd_accounts ("
    " name TEXT PRIMARY KEY, schema_name TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)";

constexpr const char* kWritersTableSql =
    "CREATE TABLE IF NOT EXISTS kd_writers ("
    " name TEXT PRIMARY KEY, holder TEXT NOT NULL, since TIMESTAMPTZ NOT NULL)";

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string percentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int value = 0;
      const auto [end, error] =
          std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (error == std::errc() && end == text.data() + i + 3) {
        out += static_cast<char>(value);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// The URL's parts that matter here: the redacted form and the password it carries (if any).
struct ParsedUrl {
  std::string redacted;
  std::string password;
  std::string account;    // the account= parameter (kalshi-direct's, not libpq's)
  std::string libpq_url;  // what libpq is given: without account=
};

ParsedUrl parseUrl(const std::string& url) {
  ParsedUrl parsed;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    parsed.redacted = url;
    return parsed;
  }
  const std::string scheme = url.substr(0, scheme_end + 3);
  std::string rest = url.substr(scheme_end + 3);
  std::string query;
  const size_t query_at = rest.find('?');
  if (query_at != std::string::npos) {
    query = rest.substr(query_at + 1);
    rest.erase(query_at);
  }
  const size_t path_at = rest.find('/');
  std::string authority = rest.substr(0, path_at);
  const std::string path = path_at == std::string::npos ? "" : rest.substr(path_at);
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon != std::string::npos) {
      parsed.password = percentDecode(userinfo.substr(colon + 1));
      userinfo.erase(colon);
    }
    authority = userinfo + "@" + authority.substr(at + 1);
  }
  std::string kept, for_libpq;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string parameter = query.substr(start, end - start);
    if (parameter.rfind("password=", 0) == 0) {
      parsed.password = percentDecode(parameter.substr(9));
      for_libpq += (for_libpq.empty() ? "" : "&") + parameter;
    } else if (parameter.rfind("account=", 0) == 0) {
      parsed.account = percentDecode(parameter.substr(8));
      kept += (kept.empty() ? "" : "&") + parameter;
    } else if (!parameter.empty()) {
      kept += (kept.empty() ? "" : "&") + parameter;
      for_libpq += (for_libpq.empty() ? "" : "&") + parameter;
    }
    start = end + 1;
  }
  parsed.redacted = scheme + authority + path + (kept.empty() ? "" : "?" + kept);
  const size_t query_start = url.find('?');
  parsed.libpq_url = url.substr(0, query_start) + (for_libpq.empty() ? "" : "?" + for_libpq);
  return parsed;
}

// `text` with every occurrence of `password` replaced by *** (too short a password would
// mangle any message, and cannot be told from ordinary text: left alone below 3 characters).
std::string withoutPassword(std::string text, const std::string& password) {
  if (password.size() < 3) return text;
  for (size_t at = text.find(password); at != std::string::npos; at = text.find(password, at))
    text.replace(at, password.size(), "***");
  return text;
}

std::string firstLine(std::string text) {
  const size_t newline = text.find('\n');
  if (newline != std::string::npos) text.erase(newline);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// The quoted name after `marker` in a libpq message ("database \"x\" does not exist" -> x).
std::string quotedAfter(const std::string& text, const char* marker) {
  size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  at = text.find('"', at);
  if (at == std::string::npos) return "";
  const size_t end = text.find('"', at + 1);
  return end == std::string::npos ? "" : text.substr(at + 1, end - at - 1);
}

// What a failed connection attempt means, in one line with its fix.
std::string connectionProblem(const std::string& libpq_message) {
  std::string line;
  // libpq puts the server's own words after "FATAL:  "; its own before.
  const size_t fatal = libpq_message.find("FATAL:");
  line = firstLine(fatal != std::string::npos ? libpq_message.substr(fatal + 6) : libpq_message);
  while (!line.empty() && line.front() == ' ') line.erase(0, 1);
  if (contains(libpq_message, "password authentication failed")) {
    return "password authentication failed for user \"" + quotedAfter(libpq_message, "for user") +
           "\": give the right password in PGPASSWORD, ~/.pgpass, a passfile (passfile=... in the "
           "URL or PGPASSFILE) or the URL";
  }
  if (contains(libpq_message, "no password supplied")) {
    return "the server asks for a password and none was given: set PGPASSWORD, or add it to "
           "~/.pgpass or a passfile (passfile=... in the URL or PGPASSFILE)";
  }
  if (contains(libpq_message, "does not exist") && contains(libpq_message, "database \"")) {
    const std::string name = quotedAfter(libpq_message, "database");
    return "database \"" + name + "\" does not exist on the server: create it (createdb " + name +
           ", or CREATE DATABASE " + name + ") or fix the database name in the URL";
  }
  if (contains(libpq_message, "role \"") && contains(libpq_message, "does not exist")) {
    return "user \"" + quotedAfter(libpq_message, "role") +
           "\" does not exist on the server: create it (createuser) or fix the user in the URL";
  }
  if (contains(libpq_message, "no pg_hba.conf entry")) {
    return "the server does not accept this user, database and address (" + line +
           "): add a pg_hba.conf line for them";
  }
  if (contains(libpq_message, "SSL") || contains(libpq_message, "certificate")) {
    return "TLS: " + line + " (see sslmode, sslrootcert in the URL)";
  }
  if (contains(libpq_message, "Connection refused") ||
      contains(libpq_message, "could not connect") || contains(libpq_message, "timeout expired") ||
      contains(libpq_message, "translate host") || contains(libpq_message, "unreachable") ||
      contains(libpq_message, "No such file")) {
    std::string reason = line;
    const size_t failed = reason.find("failed: ");
    if (failed != std::string::npos) reason = reason.substr(failed + 8);
    return "cannot reach the PostgreSQL server (" + reason +
           "): start it, or fix the host and port in the URL";
  }
  return line.empty() ? "cannot connect" : line;
}

// "2026-03-01 14:03:22.5+00" (UTC session, ISO style) -> "2026-03-01T14:03:22.500000Z", the form
// Timestamp::toIso8601 writes (no fraction when it is zero).
std::string isoTimestamp(const char* text, size_t size) {
  std::string value(text, size);
  if (value.size() < 19 || value[10] != ' ') return value;  // infinity, or not ISO style
  value[10] = 'T';
  size_t end = value.find_first_of("+-", 19);
  if (end == std::string::npos) end = value.size();
  std::string fraction;
  if (value.size() > 19 && value[19] == '.') fraction = value.substr(20, end - 20);
  std::string out = value.substr(0, 19);
  if (!fraction.empty()) {
    fraction.resize(6, '0');
    out += "." + fraction;
  }
  return out + "Z";
}

// `?` placeholders (outside quotes and comments) become $1, $2, ...; returns how many.
int numberPlaceholders(std::string_view sql, std::string& out) {
  out.clear();
  out.reserve(sql.size() + 16);
  int count = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      const size_t end = sql.find(c, i + 1);
      const size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '?') {
      out += "$" + std::to_string(++count);
    } else {
      out += c;
    }
  }
  return count;
}

// A parameter or COPY field as text, the form every value goes to the server in.
struct TextValue {
  std::string text;
  bool null = true;
  void setInt(int64_t value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    text.assign(digits, end);
    null = false;
  }
  void setDouble(double value) {
    char digits[40];
    std::snprintf(digits, sizeof digits, "%.17g", value);
    text = digits;
    null = false;
  }
  void setText(std::string_view value) {
    text.assign(value.data(), value.size());
    null = false;
  }
};

class PostgresStore;

class PostgresStatement final : public StoreStatement {
 public:
  PostgresStatement(PostgresStore& store, std::string_view sql);
  ~PostgresStatement() override;

  void bindNull(int index) override { slot(index).null = true; }
  void bindInt(int index, int64_t value) override { slot(index).setInt(value); }
  void bindDouble(int index, double value) override { slot(index).setDouble(value); }
  void bindText(int index, std::string_view text) override { slot(index).setText(text); }
  void clearBindings() override {
    for (auto& parameter : parameters_) parameter = TextValue{};
  }
  bool step() override;
  void run() override;
  void reset() override {
    result_.reset();
    row_ = -1;
    closeCursor();
  }
  int columnCount() const override { return result_ ? PQnfields(result_.get()) : 0; }
  ColumnType columnType(int column) const override;
  int64_t columnInt(int column) const override;
  double columnDouble(int column) const override;
  std::string columnText(int column) const override;
  std::string columnName(int column) const override {
    return result_ ? PQfname(result_.get(), column) : "";
  }

 private:
  TextValue& slot(int index);
  Result execute(const std::string& sql);
  void fetch();
  void closeCursor();
  bool hasValue(int column) const {
    return result_ && row_ >= 0 && row_ < PQntuples(result_.get()) && column >= 0 &&
           column < PQnfields(result_.get());
  }

  PostgresStore& store_;
  std::string sql_;
  std::vector<TextValue> parameters_;
  std::string name_;  // the server-side prepared statement, once it runs a second time
  int64_t runs_ = 0;
  Result result_;
  int row_ = -1;
  std::string cursor_;  // while a large result streams through a cursor
};

class PostgresBulkUpsert;

class PostgresStore final : public Store {
 public:
  PostgresStore(PGconn* connection, ParsedUrl url)
      : connection_(connection), url_(std::move(url)) {}
  ~PostgresStore() override {
    drainQuietly();
    PQfinish(connection_);
  }

  std::string kind() const override { return "postgresql"; }
  const std::string& location() const override { return url_.redacted; }

  void begin() override { exec("BEGIN"); }
  void commit() override {
    Result result = run("COMMIT");
    // COMMIT of a transaction a failed statement aborted answers "ROLLBACK", without an error.
    if (std::strcmp(PQcmdStatus(result.get()), "ROLLBACK") == 0) {
      throw StoreError(where() + "the transaction was rolled back by the server, not committed");
    }
  }
  void rollback() override {
    drainQuietly();
    if (!inTransaction()) return;
    Result result(PQexec(connection_, "ROLLBACK"));  // a lost connection has nothing to undo
  }
  bool inTransaction() const override {
    const PGTransactionStatusType status = PQtransactionStatus(connection_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
  }

  StateMap readState(const std::string& scope) override {
    StateMap state;
    if (!tableExists("kd_state")) return state;
    StoreStatementPtr query = prepare("SELECT key, value FROM kd_state WHERE scope = ?");
    query->bindText(1, scope);
    while (query->step()) state[query->columnText(0)] = query->columnText(1);
    return state;
  }
  void writeState(const std::string& scope, const StateMap& state) override {
    if (!state_table_ready_) {
      exec(kStateTableSql);
      state_table_ready_ = true;
    }
    StoreStatementPtr upsert = prepare(
        "INSERT INTO kd_state (scope, key, value, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at");
    const std::string now = Timestamp::now().toIso8601();
    for (const auto& [key, value] : state) {
      upsert->bindText(1, scope);
      upsert->bindText(2, key);
      upsert->bindText(3, value);
      upsert->bindText(4, now);
      upsert->run();
    }
  }

  void exec(const std::string& sql) override { run(sql); }
  StoreStatementPtr prepare(std::string_view sql) override {
    return std::make_unique<PostgresStatement>(*this, sql);
  }
  bool tableExists(std::string_view table) override { return objectType(table) == "table"; }
  std::vector<std::string> tableColumns(std::string_view table) override {
    std::vector<std::string> columns;
    StoreStatementPtr query = prepare(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = ? ORDER BY ordinal_position");
    query->bindText(1, table);
    while (query->step()) columns.push_back(query->columnText(0));
    return columns;
  }
  std::string objectType(std::string_view name) override {
    StoreStatementPtr query = prepare(
        "SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'"
        " WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence'"
        " ELSE 'relation' END FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = ?");
    query->bindText(1, name);
    return query->step() ? query->columnText(0) : std::string();
  }
  BulkUpsertPtr bulkUpsert(std::string_view table, const std::vector<std::string>& columns,
                           const std::vector<std::string>& key) override;
  // The server sorts in work_mem and spills by itself; what the limit changes here is results:
  // while on, a SELECT inside a transaction streams through a cursor, kCursorRows rows at a time,
  // instead of arriving whole (a scan of every fill would otherwise sit in memory at once).
  void limitSortMemory(bool on) override { stream_depth_ += on ? 1 : (stream_depth_ > 0 ? -1 : 0); }
  bool streamsResults() const { return stream_depth_ > 0; }
  std::string nextCursorName() { return "kd_cursor_" + std::to_string(++statement_counter_); }

  // ---- for the statements, the bulk writer and the writer lock ----
  PGconn* connection() { return connection_; }
  std::string where() const { return "database '" + url_.redacted + "': "; }
  // Runs `sql` (no parameters); throws on failure.
  Result run(const std::string& sql) {
    drain();
    Result result(PQexec(connection_, sql.c_str()));
    check(result.get());
    return result;
  }
  // Throws StoreError for a failed result (or none): one line, the SQLSTATE's meaning and fix.
  void check(PGresult* result) {
    const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY ||
        status == PGRES_COPY_IN) {
      return;
    }
    fail(result);
  }
  [[noreturn]] void fail(PGresult* result) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string code = state ? state : "";
    const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = primary ? primary : firstLine(PQerrorMessage(connection_));
    StoreError::Cause cause = StoreError::Cause::kOther;
    if (PQstatus(connection_) == CONNECTION_BAD || code.rfind("08", 0) == 0 ||
        code.rfind("57P0", 0) == 0) {
      message = "the connection to the PostgreSQL server was lost (" + message +
                "): nothing after the last commit was kept; run again once the server is back";
    } else if (code == "42501") {
      message = message + ": grant the user the privilege (e.g. GRANT CREATE ON " +
                (contains(message, "for database") ? "DATABASE <dbname>" : "SCHEMA public") +
                " TO <user>) or use a database it owns";
    } else if (code == "40001" || code == "40P01" || code == "55P03") {
      cause = StoreError::Cause::kBusy;
    } else if (code.rfind("22", 0) == 0) {
      // The server's text quotes the refused value: keep only what kind of value it was.
      const size_t colon = message.find(':');
      if (colon != std::string::npos) message.erase(colon);
      message = "a value does not fit its column (" + message + ")";
    } else if (code == "25006") {
      message = "the store is open read-only (" + message + ")";
    }
    throw StoreError(redact(where() + firstLine(message)), cause);
  }
  // Drops the password wherever a message might carry it.
  std::string redact(const std::string& text) const { return withoutPassword(text, url_.password); }
  std::string nextStatementName() { return "kd_" + std::to_string(++statement_counter_); }

  // ---- the pipeline of statements run for their effect (PostgresStatement::run) ----
  // Sends `sql` (prepared once as `name`, set here on first use) with `values`, without waiting.
  void sendPipelined(std::string& name, const std::string& sql,
                     const std::vector<const char*>& values) {
    if (!pipelining_) {
      if (PQenterPipelineMode(connection_) != 1) fail(nullptr);
      pipelining_ = true;
    }
    const int count = static_cast<int>(values.size());
    if (name.empty()) {
      const std::string fresh = nextStatementName();
      if (PQsendPrepare(connection_, fresh.c_str(), sql.c_str(), count, nullptr) != 1)
        drainAfterSendFailure();
      name = fresh;
    }
    if (PQsendQueryPrepared(connection_, name.c_str(), count, values.data(), nullptr, nullptr, 0) !=
        1) {
      drainAfterSendFailure();
    }
    // Answers pile up in the socket while we send: read them now and then, or both sides
    // could end up waiting to write.
    if (++pipelined_ >= kPipelineDepth) drain();
  }
  // Reads every pipelined answer and leaves pipeline mode; throws the first error.
  void drain() {
    if (!pipelining_) return;
    pipelining_ = false;
    pipelined_ = 0;
    Result error;
    if (PQpipelineSync(connection_) == 1) {
      for (;;) {
        PGresult* result = PQgetResult(connection_);
        if (!result) {
          if (PQstatus(connection_) == CONNECTION_BAD) break;
          continue;  // the end of one statement's answers
        }
        const ExecStatusType status = PQresultStatus(result);
        if (status == PGRES_PIPELINE_SYNC) {
          PQclear(result);
          break;
        }
        if (status == PGRES_FATAL_ERROR && !error) {
          error.reset(result);
        } else {
          PQclear(result);
        }
      }
    }
    if (PQexitPipelineMode(connection_) != 1 && !error && PQstatus(connection_) != CONNECTION_BAD)
      fail(nullptr);
    if (error || PQstatus(connection_) == CONNECTION_BAD) fail(error.get());
  }
  // For paths that must not throw (a rollback, a destructor): the error is the run's already.
  void drainQuietly() {
    try {
      drain();
    } catch (const StoreError&) {
    }
  }
  // Prepared statements whose owner is gone: deallocated when the session can run commands.
  void forget(std::string name) {
    unused_statements_.push_back(std::move(name));
    if (unused_statements_.size() < 64 || PQtransactionStatus(connection_) == PQTRANS_INERROR)
      return;
    drainQuietly();
    if (PQtransactionStatus(connection_) == PQTRANS_INERROR) return;
    std::string sql;
    for (const auto& unused : unused_statements_) sql += "DEALLOCATE " + unused + ";";
    unused_statements_.clear();
    Result result(PQexec(connection_, sql.c_str()));  // best effort: they cost only memory
  }

 private:
  PGconn* connection_;
  ParsedUrl url_;
  [[noreturn]] void drainAfterSendFailure() {
    drain();  // the reason is among the answers, or the connection is gone
    fail(nullptr);
  }

  static constexpr int kPipelineDepth = 1000;
  bool pipelining_ = false;
  int pipelined_ = 0;
  bool state_table_ready_ = false;
  int64_t statement_counter_ = 0;
  int stream_depth_ = 0;
  std::vector<std::string> unused_statements_;
};

constexpr int kCursorRows = 10000;

bool isQuery(const std::string& sql) {
  size_t at = sql.find_first_not_of(" \n\t(");
  if (at == std::string::npos) return false;
  return sql.compare(at, 6, "SELECT") == 0 || sql.compare(at, 6, "select") == 0 ||
         sql.compare(at, 4, "WITH") == 0;
}

PostgresStatement::PostgresStatement(PostgresStore& store, std::string_view sql) : store_(store) {
  parameters_.resize(static_cast<size_t>(numberPlaceholders(sql, sql_)));
}

PostgresStatement::~PostgresStatement() {
  closeCursor();
  if (!name_.empty()) store_.forget(std::move(name_));
}

TextValue& PostgresStatement::slot(int index) {
  if (index < 1 || static_cast<size_t>(index) > parameters_.size()) {
    throw StoreError(store_.where() + "parameter " + std::to_string(index) +
                     " is out of range (the statement has " + std::to_string(parameters_.size()) +
                     ")");
  }
  return parameters_[static_cast<size_t>(index - 1)];
}

Result PostgresStatement::execute(const std::string& sql) {
  store_.drain();
  std::vector<const char*> values(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i)
    values[i] = parameters_[i].null ? nullptr : parameters_[i].text.c_str();
  const int count = static_cast<int>(parameters_.size());
  PGconn* connection = store_.connection();
  Result result;
  if (&sql != &sql_ || runs_++ == 0) {
    // Once: parsed and planned for this run only. Again: prepared on the server and reused.
    result.reset(
        PQexecParams(connection, sql.c_str(), count, nullptr, values.data(), nullptr, nullptr, 0));
  } else {
    if (name_.empty()) {
      const std::string name = store_.nextStatementName();
      Result prepared(PQprepare(connection, name.c_str(), sql_.c_str(), count, nullptr));
      store_.check(prepared.get());
      name_ = name;
    }
    result.reset(
        PQexecPrepared(connection, name_.c_str(), count, values.data(), nullptr, nullptr, 0));
  }
  store_.check(result.get());
  return result;
}

bool PostgresStatement::step() {
  if (!result_) {
    if (store_.streamsResults() && store_.inTransaction() && isQuery(sql_)) {
      const std::string cursor = store_.nextCursorName();
      execute("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + sql_);
      cursor_ = cursor;
      fetch();
    } else {
      result_ = execute(sql_);
    }
    row_ = 0;
  } else {
    ++row_;
    if (!cursor_.empty() && row_ >= PQntuples(result_.get()) &&
        PQntuples(result_.get()) == kCursorRows) {
      fetch();
      row_ = 0;
    }
  }
  return row_ < PQntuples(result_.get());
}

void PostgresStatement::fetch() {
  store_.drain();
  result_.reset(
      PQexec(store_.connection(),
             ("FETCH FORWARD " + std::to_string(kCursorRows) + " FROM " + cursor_).c_str()));
  store_.check(result_.get());
}

void PostgresStatement::closeCursor() {
  if (cursor_.empty()) return;
  store_.drainQuietly();
  if (PQtransactionStatus(store_.connection()) == PQTRANS_INTRANS)
    Result closed(PQexec(store_.connection(), ("CLOSE " + cursor_).c_str()));
  cursor_.clear();
}

void PostgresStatement::run() {
  if (result_) {
    reset();  // an execution step() began: it is complete on the server already
    return;
  }
  if (!store_.inTransaction()) {
    execute(sql_);
    return;
  }
  // Inside a transaction a statement run for its effect is pipelined: sent without waiting for
  // its answer, which is read (and an error thrown) at the next call that needs the server's
  // reply. A failed statement aborts the transaction on the server anyway, so nothing depends on
  // learning it at once; per-row writes cost no round trip each.
  std::vector<const char*> values(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i)
    values[i] = parameters_[i].null ? nullptr : parameters_[i].text.c_str();
  store_.sendPipelined(name_, sql_, values);
}

StoreStatement::ColumnType PostgresStatement::columnType(int column) const {
  if (!hasValue(column) || PQgetisnull(result_.get(), row_, column)) return ColumnType::kNull;
  switch (PQftype(result_.get(), column)) {
    case kBoolOid:
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      return ColumnType::kInteger;
    case kFloat4Oid:
    case kFloat8Oid:
      return ColumnType::kReal;
    case kByteaOid:
      return ColumnType::kBlob;
    default:
      return ColumnType::kText;  // numeric too: its exact text
  }
}

int64_t PostgresStatement::columnInt(int column) const {
  if (!hasValue(column) || PQgetisnull(result_.get(), row_, column)) return 0;
  const char* text = PQgetvalue(result_.get(), row_, column);
  if (PQftype(result_.get(), column) == kBoolOid) return text[0] == 't' ? 1 : 0;
  if (PQftype(result_.get(), column) == kFloat4Oid || PQftype(result_.get(), column) == kFloat8Oid)
    return static_cast<int64_t>(std::strtod(text, nullptr));
  return std::strtoll(text, nullptr, 10);  // as SQLite: a numeric's integer part
}

double PostgresStatement::columnDouble(int column) const {
  if (!hasValue(column) || PQgetisnull(result_.get(), row_, column)) return 0;
  const char* text = PQgetvalue(result_.get(), row_, column);
  if (PQftype(result_.get(), column) == kBoolOid) return text[0] == 't' ? 1 : 0;
  return std::strtod(text, nullptr);
}

std::string PostgresStatement::columnText(int column) const {
  if (!hasValue(column) || PQgetisnull(result_.get(), row_, column)) return "";
  const char* text = PQgetvalue(result_.get(), row_, column);
  const size_t size = static_cast<size_t>(PQgetlength(result_.get(), row_, column));
  switch (PQftype(result_.get(), column)) {
    case kBoolOid:
      return text[0] == 't' ? "1" : "0";
    case kTimestampOid:
    case kTimestampTzOid:
      return isoTimestamp(text, size);
    default:
      return std::string(text, size);
  }
}

// COPY's text format: rows of tab-separated fields, \N for NULL, backslash escapes.
class PostgresBulkUpsert final : public BulkUpsert {
 public:
  PostgresBulkUpsert(PostgresStore& store, std::string_view table,
                     const std::vector<std::string>& columns, const std::vector<std::string>& key)
      : store_(store), table_(table), columns_(columns), key_(key), row_(columns.size()) {}
  ~PostgresBulkUpsert() override {
    for (std::string* name : {&upsert_statement_, &truncate_statement_, &release_statement_})
      if (!name->empty()) store_.forget(std::move(*name));
  }

  void bindNull(int index) override { field(index).null = true; }
  void bindInt(int index, int64_t value) override { field(index).setInt(value); }
  void bindDouble(int index, double value) override { field(index).setDouble(value); }
  void bindText(int index, std::string_view text) override { field(index).setText(text); }
  void addRow() override {
    for (size_t column = 0; column < row_.size(); ++column) {
      if (column > 0) copy_data_ += '\t';
      TextValue& value = row_[column];
      if (value.null) {
        copy_data_ += "\\N";
      } else {
        for (const char c : value.text) {
          switch (c) {
            case '\\':
              copy_data_ += "\\\\";
              break;
            case '\t':
              copy_data_ += "\\t";
              break;
            case '\n':
              copy_data_ += "\\n";
              break;
            case '\r':
              copy_data_ += "\\r";
              break;
            default:
              copy_data_ += c;
          }
        }
      }
      value = TextValue{};
    }
    copy_data_ += '\n';
    ++rows_;
    if (copy_data_.size() >= kBatchBytes) finish();  // memory stays bounded by a batch
  }
  size_t pendingRows() const override { return rows_; }
  void finish() override;

 private:
  Result copyInto(const std::string& table, const std::string& names);
  TextValue& field(int index) {
    if (index < 1 || static_cast<size_t>(index) > row_.size()) {
      throw StoreError(store_.where() + "bulk column " + std::to_string(index) +
                       " is out of range for " + table_);
    }
    return row_[static_cast<size_t>(index - 1)];
  }

  static constexpr size_t kBatchBytes = 8u << 20;
  PostgresStore& store_;
  std::string table_;
  std::vector<std::string> columns_;
  std::vector<std::string> key_;
  std::vector<TextValue> row_;
  std::string copy_data_;
  size_t rows_ = 0;
  bool try_direct_ = true;  // COPY straight into the table until a batch is refused
  std::string upsert_statement_, truncate_statement_, release_statement_;  // prepared, once sent
};

// Sends the batch as COPY into `table` and returns the server's answer, unchecked; the batch is
// kept (for a retry the other way).
Result PostgresBulkUpsert::copyInto(const std::string& table, const std::string& names) {
  PGconn* connection = store_.connection();
  {
    Result started(PQexec(connection, ("COPY " + table + " (" + names + ") FROM STDIN").c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_IN) return started;
  }
  constexpr size_t kChunk = 1u << 20;
  for (size_t at = 0; at < copy_data_.size(); at += kChunk) {
    const size_t size = std::min(kChunk, copy_data_.size() - at);
    if (PQputCopyData(connection, copy_data_.data() + at, static_cast<int>(size)) != 1) {
      PQputCopyEnd(connection, "cancelled");
      Result ended(PQgetResult(connection));
      while (PGresult* more = PQgetResult(connection)) PQclear(more);
      return ended;
    }
  }
  if (PQputCopyEnd(connection, nullptr) != 1) return Result(nullptr);
  Result copied(PQgetResult(connection));
  while (PGresult* more = PQgetResult(connection)) PQclear(more);
  return copied;
}

void PostgresBulkUpsert::finish() {
  if (rows_ == 0) return;
  store_.drain();
  std::string names, key_list;
  for (const auto& column : columns_) names += (names.empty() ? "" : ", ") + column;
  for (const auto& part : key_) key_list += (key_list.empty() ? "" : ", ") + part;
  // Rows new to the table (a first load; derived rows whose market was just deleted) go straight
  // in with COPY: no staging copy, no sort, no speculative insertion per row. Under a savepoint,
  // so that a batch holding a stored key (or a key twice) is undone and upserted instead; after
  // one such batch this writer upserts for the rest of its life.
  if (try_direct_ && store_.inTransaction()) {
    store_.run("SAVEPOINT kd_bulk");
    Result copied = copyInto(table_, names);
    if (PQresultStatus(copied.get()) == PGRES_COMMAND_OK) {
      copy_data_.clear();
      rows_ = 0;
      store_.sendPipelined(release_statement_, "RELEASE SAVEPOINT kd_bulk", {});
      return;
    }
    if (PQstatus(store_.connection()) == CONNECTION_BAD) store_.fail(copied.get());
    store_.run("ROLLBACK TO SAVEPOINT kd_bulk; RELEASE SAVEPOINT kd_bulk");
    try_direct_ = false;
  }
  const std::string stage = "kd_stage_" + table_;
  // The staging table has the target's column types, so COPY converts (and refuses) values as
  // the target would. Temporary: private to this session, gone if the transaction rolls back.
  store_.run("CREATE TEMP TABLE IF NOT EXISTS " + stage + " (LIKE " + table_ +
             ", kd_seq BIGINT GENERATED ALWAYS AS IDENTITY)");
  {
    Result copied = copyInto(stage, names);
    copy_data_.clear();
    rows_ = 0;
    store_.check(copied.get());
  }
  // Of rows with one key the last added wins (DISTINCT ON keeps the first in ORDER BY order).
  std::string upsert = "INSERT INTO " + table_ + " (" + names + ") SELECT ";
  if (key_.empty()) {
    upsert += names + " FROM " + stage + " ORDER BY kd_seq";
  } else {
    upsert += "DISTINCT ON (" + key_list + ") " + names + " FROM " + stage + " ORDER BY " +
              key_list + ", kd_seq DESC" + onConflictSql(table_, columns_, key_);
  }
  if (!store_.inTransaction()) {
    store_.run(upsert + "; TRUNCATE " + stage);
    return;
  }
  // Inside a transaction the server applies the batch while the run reads the next one: sent
  // without waiting, its answer read (and its error thrown) by the next call that waits, which
  // the next batch's COPY is at the latest.
  store_.sendPipelined(upsert_statement_, upsert, {});
  store_.sendPipelined(truncate_statement_, "TRUNCATE " + stage, {});
}

BulkUpsertPtr PostgresStore::bulkUpsert(std::string_view table,
                                        const std::vector<std::string>& columns,
                                        const std::vector<std::string>& key) {
  return std::make_unique<PostgresBulkUpsert>(*this, table, columns, key);
}

}  // namespace

bool isPostgresLocation(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string redactPostgresUrl(const std::string& url) { return parseUrl(url).redacted; }

bool isValidAccountName(const std::string& name) {
  if (name.empty() || name.size() > 40 || name[0] < 'a' || name[0] > 'z') return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

static std::string accountSchema(const std::string& account) {
  if (account.empty() || account == kDefaultAccount) return "public";
  if (account == kAllAccounts) return "kalshi_all";
  return "account_" + account;
}

StorePtr openPostgresStore(const std::string& url, Store::Mode mode) {
  ParsedUrl parsed = parseUrl(url);
  const std::string where = "database '" + parsed.redacted + "': ";
  const std::string account = parsed.account;
  if (!account.empty() && !isValidAccountName(account)) {
    throw StoreError(where + "account '" + account +
                     "' is not a valid account name (a-z first, then a-z, 0-9 or _, at most 40)");
  }
  if (account == kAllAccounts && mode != Store::Mode::kReadOnly) {
    throw StoreError(where +
                     "account 'all' is every account together, read-only: name one "
                     "account to write");
  }
  // Defaults first: what the URL says wins (expand_dbname lets later keywords override earlier).
  const char* keywords[] = {"application_name", "connect_timeout", "dbname", nullptr};
  const char* values[] = {"kalshi-direct", "10", parsed.libpq_url.c_str(), nullptr};
  PGconn* connection = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!connection) throw StoreError("database '" + parsed.redacted + "': out of memory");
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string problem =
        withoutPassword(connectionProblem(PQerrorMessage(connection)), parsed.password);
    PQfinish(connection);
    throw StoreError("database '" + parsed.redacted + "': " + problem);
  }
  auto store = std::make_unique<PostgresStore>(connection, std::move(parsed));
  std::string setup =
      "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET IntervalStyle TO 'iso_8601';"
      " SET client_min_messages TO warning; SET client_encoding TO 'UTF8'";
  if (mode == Store::Mode::kReadOnly) setup += "; SET default_transaction_read_only TO on";
  store->run(setup);
  const std::string schema = accountSchema(account);
  if (mode != Store::Mode::kReadOnly) {
    // Registered once, in a short transaction of its own: other accounts' runs never wait on
    // this run's long one. Concurrent first runs of two accounts serialise here only.
    store->run(std::string(
                   "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('kalshi-direct:accounts', "
                   "0)); ") +
               (schema == "public" ? "" : "CREATE SCHEMA IF NOT EXISTS " + schema + "; ") +
               kAccountsTableSql +
               "; INSERT INTO public.kd_accounts (name, schema_name, "
               "created_at) VALUES ('" +
               (account.empty() ? kDefaultAccount : account) + "', '" + schema +
               "', now()) ON CONFLICT (name) DO NOTHING; COMMIT");
  }
  if (schema != "public") store->run("SET search_path TO " + schema);
  return store;
}

void refreshAccountViews(Store& base) {
  auto& store = static_cast<PostgresStore&>(base);
  {
    StoreStatementPtr registry = store.prepare(
        "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename = "
        "'kd_accounts'");
    if (!registry->step() || registry->columnInt(0) == 0) return;
  }
  std::vector<std::pair<std::string, std::string>> accounts;  // name, schema
  {
    StoreStatementPtr query =
        store.prepare("SELECT name, schema_name FROM public.kd_accounts ORDER BY name");
    while (query->step()) accounts.emplace_back(query->columnText(0), query->columnText(1));
  }
  if (accounts.size() < 2) return;  // one account: its own tables are the whole picture
  // Every Kalshi table and view of every account schema, with its columns in order.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> relations;
  {
    StoreStatementPtr query = store.prepare(
        "SELECT table_name, table_schema, string_agg(column_name, ', ' ORDER BY ordinal_position)"
        " FROM information_schema.columns WHERE (table_name LIKE 'kalshi\\_%' OR table_name LIKE "
        "'v\\_%') AND table_schema IN (SELECT schema_name FROM public.kd_accounts)"
        " GROUP BY table_name, table_schema ORDER BY table_name, table_schema");
    while (query->step())
      relations[query->columnText(0)].emplace_back(query->columnText(1), query->columnText(2));
  }
  store.begin();
  try {
    store.exec(
        "SELECT pg_advisory_xact_lock(hashtextextended('kalshi-direct:accounts', 0)); CREATE "
        "SCHEMA IF NOT EXISTS kalshi_all");
    for (const auto& [name, schemas] : relations) {
      // The columns most accounts have (a release apart, a table may have gained some): the
      // accounts whose columns differ are left out of this view until they run this release.
      std::map<std::string, int> votes;
      for (const auto& entry : schemas) ++votes[entry.second];
      std::string columns;
      int best = 0;
      for (const auto& [list, count] : votes) {
        if (count > best) best = count, columns = list;
      }
      std::string select;
      for (const auto& [schema, list] : schemas) {
        if (list != columns) continue;
        std::string account;
        for (const auto& entry : accounts) {
          if (entry.second == schema) account = entry.first;
        }
        select += (select.empty() ? "" : " UNION ALL ") + std::string("SELECT '") + account +
                  "'::text AS account, " + columns + " FROM " + schema + "." + name;
      }
      store.exec("DROP VIEW IF EXISTS kalshi_all." + name + "; CREATE VIEW kalshi_all." + name +
                 " AS " + select);
    }
    store.commit();
  } catch (...) {
    store.rollback();
    throw;
  }
}

void lockPostgresWriter(Store& base, const std::string& name, const std::string& holder) {
  auto& store = static_cast<PostgresStore&>(base);
  // One lock per account (schema): two accounts' runs never wait for each other.
  StoreStatementPtr lock =
      store.prepare("SELECT pg_try_advisory_lock(hashtextextended(? || current_schema(), 0))");
  lock->bindText(1, "kalshi-direct:" + name + ":");
  // A session that has just ended releases its locks as its server process exits, a moment
  // after the client closed it: a run that starts right after another is given that moment.
  bool locked = false;
  for (int attempt = 0; attempt < 40 && !locked; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lock->reset();
    locked = lock->step() && lock->columnInt(0) == 1;
  }
  lock.reset();
  if (!locked) {
    std::string who = "another session";
    if (store.tableExists("kd_writers")) {
      StoreStatementPtr query = store.prepare("SELECT holder FROM kd_writers WHERE name = ?");
      query->bindText(1, name);
      if (query->step()) who = query->columnText(0);
    }
    throw StoreError(store.where() + "in use by " + who +
                     "; wait for that run to finish or stop it");
  }
  // Recorded outside the run's transaction, so that the next one can read it at once.
  store.exec(kWritersTableSql);
  StoreStatementPtr record = store.prepare(
      "INSERT INTO kd_writers (name, holder, since) VALUES (?, ?, now()) ON CONFLICT (name) DO "
      "UPDATE SET holder = excluded.holder, since = excluded.since");
  record->bindText(1, name);
  record->bindText(2, holder);
  record->run();
}

}  // namespace kalshi_direct
