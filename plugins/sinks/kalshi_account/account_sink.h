// kalshi_account: the account's last known state, as the source read it, for the kalshi_pnl model.
//
// Takes balance, positions, settlements, markets and history, and writes them into the store as
// they stream, in the engine's transaction (nothing is computed here):
//   balance      -> kalshi_account (one row: source live/fallback, balance, portfolio value,
//                   when it was read) and, with several subaccounts, kalshi_subaccount_balances;
//   positions    -> staged in a TEMP table, then kalshi_positions is replaced with them once the
//                   stream is complete (another stream than markets starts, or the input ends): a
//                   commit in the middle of the positions never shows half of them;
//   settlements  -> kalshi_settlements;  markets -> kalshi_markets;  history -> kalshi_history.
// kalshi_account.snapshot_id is cleared whenever the balance or the positions are replaced: the
// kalshi_pnl model takes a snapshot of that state at its next run. Settlements and markets mark
// their markets in kalshi_pnl_dirty (RowWriter), which tells the model what to recompute.
// The state's source is the snapshot_source of the balance record: "fallback" when the pipeline's
// fallback source served the run; such a run's markets records (kalshi_markets' own rows, sent
// so the categorizer knows each position's series) are not written back.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kalshi/api_parser.h"
#include "kalshi/row_writer.h"

namespace kalshi_direct {
namespace kalshi {

class AccountSink final : public Sink {
 public:
  explicit AccountSink(std::string path);
  // The tables it writes (StoreTables, plugin.h).
  static std::vector<std::string> tablesWritten();
  AccountSink(const AccountSink&) = delete;  // incoming_table_ points into its own strings
  AccountSink& operator=(const AccountSink&) = delete;
  std::string storeLocation() const override { return path_; }
  Status open(SinkContext& context) override;
  WriteResult write(const Batch& batch) override;
  Status flush() override;
  Status finish() override;
  void rollback() override;

 private:
  void openTables();
  // Replaces kalshi_positions with the staged positions (a stream that ended).
  void publishPositions();
  void writeBalance(const Batch& batch);
  // The run serves the last known state (the balance came from local_db_fallback).
  bool fallback() const { return fallback_; }

  std::string path_;
  SinkContext* context_ = nullptr;
  Store* database_ = nullptr;
  RowWriter markets_{marketsTable()};
  RowWriter settlements_{settlementsTable()};
  RowWriter history_{historyTable()};
  // This run's market positions wait in a TEMP table until the stream is complete: this
  // connection only, gone with it, spilling to a temp file past its small page cache, so 25,000
  // positions (1,000,000 fills) cost no resident memory. Named per sink
  // (kd_incoming_positions_<n>): two account sinks on one connection must not share it.
  std::string incoming_name_;
  std::string incoming_sql_;
  TableDefinition incoming_table_;
  RowWriter incoming_positions_{incoming_table_};
  bool positions_staged_ = false;    // positions arrived and are not published yet
  bool positions_replaced_ = false;  // this run replaced kalshi_positions already
  bool fallback_ = false;
};

}  // namespace kalshi
}  // namespace kalshi_direct
