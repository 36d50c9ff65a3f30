// kalshi_live: reads a Kalshi account over the trade API v2.
//
// Streams, in this order within a run (each optional via `streams:`):
//   balance      one record: balance (int cents), balance_dollars, portfolio_value, updated_ts,
//                snapshot_source = "live". With several subaccounts: the account's total first,
//                then one record per subaccount (GET /portfolio/balance?subaccount=N) with
//                `subaccount`
//   positions    every market position of every subaccount: unsettled and settled
//                (GET /portfolio/positions?settlement_status=all) and those archived under
//                /historical/positions, Kalshi's own realized figures for reconciliation; or with
//                `positions: open` only the non-zero unsettled ones (count_filter=position).
//                Each record carries subaccount_number.
//   orders       orders created since the pass's start point, plus every resting order (in
//                watermark mode: GET ?status=resting, then orders created since the last pass
//                or since the oldest order that stopped resting, whichever is older)
//   fills        fills since the start point (live endpoint, then /historical/fills if needed)
//   settlements  settlements since the start point
//   transfers    every deposit and withdrawal (GET /portfolio/deposits, /portfolio/withdrawals; a
//                404 counts as none) and every transfer between subaccounts
//                (/portfolio/subaccounts/transfers), read in full each run (they are few and their
//                status changes): rows of kalshi_transfers (id, direction deposit | withdrawal |
//                subaccount_transfer, status, type, amount_cents, fee_cents, created_at,
//                finalized_at, subaccount, from_subaccount, to_subaccount)
//   history      at the end of the run, per stream of orders / fills / settlements: how much of
//                its history the database holds: coverage "all" (everything, /historical
//                included), "since" (complete_since: everything since then) or "live" (only what
//                the live endpoints kept when first read, about three months). A report on
//                partial history says so (kalshi_snapshots.history_complete).
//   markets      metadata for every ticker the other streams mention, emitted BEFORE the batch
//                that first mentions it (ticker, event_ticker, series_ticker, series_category as
//                the exchange names it, status, result, prices...)
//
// Where a history stream starts (`since`):
//   watermark  after what the last completed pass reached (state); first run: all the live
//              endpoints hold (~3 months; run `backfill --full` for older history)
//   all        everything: /historical/* as well as the live endpoints
//   N / Nd     the last N days (a duration such as 12h also works)
// Live pages are read before historical ones: records only ever move from live to historical, so
// a cutoff that advances mid-run can cause a duplicate (upserted away) but never a gap.
//
// Records are taken as real responses come (api_parser.h): a run that needed the legacy direction
// counts `direction_from_legacy`, one whose two vocabularies disagreed `direction_conflicts` (with
// one warning per run), rounded sub-precision values `values_rounded`.
//
// Subaccounts (`subaccounts: all`, the default, or a list of numbers): orders, fills and
// settlements cover every subaccount without asking (records carry subaccount_number); balance
// and positions are asked per subaccount. `all` means what GET /portfolio/subaccounts/balances
// lists (every subaccount with money or activity), the primary account (0) when it lists nothing.
//
// Rate limit: `rate_limit: auto` (the default) sizes the client's token bucket from the account
// once per run (GET /account/limits, /account/endpoint_costs); a tier or reads per second override.
//
// State (committed with the rows): per stream the watermark (`fills.max_ts`...) and, while a pass
// is under way, its cursor, phase and start point, so a crashed backfill resumes at the page it
// reached. A watermark only advances when its stream's pass has completed, and only over data the
// pass covered: a pass that started after the watermark (a `since: 7d` pipeline sharing the
// state scope of a sync that last ran a month ago) leaves it where it was.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kalshi/api_client.h"
#include "kalshi/api_parser.h"
#include "kalshi/page_fetcher.h"
#include "kalshi_direct/plugin.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

struct LiveSourceConfig : Credentials {
  ClientConfig client;
  std::vector<std::string> streams;
  std::string since = "watermark";
  int page_size = 1000;
  bool open_positions_only = false;  // positions: open (count_filter=position)
  bool rate_limit_auto = false;      // size the limiter from GET /account/limits
  std::vector<int64_t> subaccounts;  // empty: all the exchange lists
  bool metadata = true;
  std::string cache_db;  // SQLite file with a kalshi_markets table (optional)
  // Resident use (kalshi_ws): open() queues no stream, and the end of a catch-up keeps the client
  // and the caches for the next one (see startCatchUp()).
  bool resident = false;
  int64_t history_check_ms = 14LL * 86400 * 1000;  // see .cpp: when to ask for the cutoff
  // Makes the API client at open(); null: the real one (ApiClient::create). Unit tests hand in a
  // mock (tests/mocks/mock_kalshi_api.h).
  std::function<Status(const ClientConfig&, AuthenticatorPtr, KalshiApiPtr&)> make_client;
};

// Pagination that makes no progress ends the read with one line instead of running forever: a
// cursor the API already returned (a loop), or kMaxEmptyPages pages in a row that bring nothing
// but a new cursor. One guard per paged read.
class PageGuard {
 public:
  static constexpr int kMaxEmptyPages = 20;
  Status next(const ParsedPage& page, const std::string& path);
  void reset() {
    seen_.clear();
    empty_pages_ = 0;
  }

 private:
  std::set<std::string> seen_;
  int empty_pages_ = 0;
};

class KalshiLiveSource final : public Source {
 public:
  explicit KalshiLiveSource(LiveSourceConfig config) : config_(std::move(config)) {}

  Status open(SourceContext& context) override;
  Status read(Batch& batch) override;
  StateMap checkpoint() const override;

  // ---- Resident use: one instance serves a whole kalshi_ws run (config.resident) ----
  // Starts a catch-up of `streams` (any of the `streams:` values, in the usual order) from the
  // current state: the same watermark a sync continues from. read() hands out its batches with
  // their state and returns kEndOfStream once it is done. Markets are looked up afresh (prices of
  // open positions refreshed), the cache_db connection reopened.
  void startCatchUp(const std::vector<std::string>& streams);
  // Drops what a catch-up that failed still had queued or under way; the state keeps where its
  // handed-out pages reached, so the next startCatchUp() resumes there.
  void abandonCatchUp();
  // Hands `batch`, made elsewhere (a WebSocket message), out through the same step as a page:
  // markets of tickers this instance has not emitted yet go first, then the batch, by read().
  // Only when idle(); it does not move the state.
  void pushBatch(Batch&& batch);
  // Nothing is being read, resolved or waiting to be handed out.
  bool idle() const {
    return queued_.empty() && !awaiting_metadata_ && pending_streams_.empty() && !pass_ &&
           history_emitted_;
  }

 private:
  // One paged read of an endpoint, possibly in two phases (live, then historical).
  struct Pass {
    std::string stream;               // orders | fills | settlements
    std::vector<std::string> phases;  // e.g. {"live", "historical"}
    size_t phase = 0;
    std::string cursor;
    int64_t min_ts = 0;             // 0 = no lower bound
    int64_t pass_max_ts = 0;        // newest record seen in this pass (unix s)
    int64_t oldest_resting_ts = 0;  // orders: oldest resting order's creation (unix s)
    bool started = false;
    bool done = false;
    PageGuard guard;
    std::string coverage;  // what the history holds once this pass completes (see .cpp)
    std::unordered_set<std::string> resting_seen;  // orders: ids read in the "resting" phase
  };
  // Orders in watermark mode (with cache_db holding kalshi_orders): phase "resting" reads every
  // resting order; at its end, orders kalshi_orders still has as resting but the API no longer
  // does move the "live" phase's min_ts back to the oldest one's creation.
  bool haveOrdersTable() const;
  void finishRestingPhase(Pass& pass);

  void queueStreams(const std::vector<std::string>& streams);  // in the usual order
  Status startPass(const std::string& stream);
  Status readPage(Pass& pass, Batch& batch);
  // The request readPage() makes for the pass's next page.
  PageFetcher::Request pageRequest(const Pass& pass) const;
  // Starts fetching the pass's next page ahead (PageFetcher), with the real client only: a test's
  // mock client (make_client) sees every request in turn.
  void prefetchPage(const Pass& pass);
  Status readBalance(Batch& batch);
  Status readPositions(Batch& batch);
  Status readTransfers(Batch& batch);
  // Which subaccounts balance and positions are read for (once per run).
  Status discoverSubaccounts();
  // rate_limit: auto. Only kUnavailable / kUnauthenticated stop the run; anything else keeps the
  // Basic tier with a warning.
  Status sizeRateLimitFromAccount();
  // Adds a page's ParseNotes to the run summary (and warns once per run about conflicts).
  void noteParse(const ParseNotes& notes);
  Status fetchCutoff();
  // Metadata requests: markets in batches (GET /markets?tickers=a,b,..., then
  // /historical/markets?tickers= for those settled before the cutoff; one by one only where a
  // batch form is unusable), then the new events in batches (GET /events?tickers=) and each new
  // series once (GET /series/{s}). A failed lookup leaves the market uncategorised with a warning;
  // only kUnavailable / kUnauthenticated stop the run.
  static constexpr size_t kTickersPerRequest = 100;  // keeps the URL near 3 KB
  // A page's metadata is resolved in chunks of kTickersPerRequest tickers, one chunk per read():
  // planMetadata() (no I/O) lists the page's tickers; each resolveMetadataChunk() looks a chunk up
  // (cache, then API) and queues its markets batch, so that read() hands it out and the runner can
  // commit it (commit.interval) while the rest is fetched; a run stopped or killed meanwhile keeps
  // what was fetched, and the next run finds it in cache_db. The page itself (with its state)
  // follows its last chunk.
  void planMetadata(const std::vector<Record>& records, bool refresh_prices);
  Status resolveMetadataChunk();
  Status fetchMarkets(const std::vector<std::string>& tickers);
  Status resolveEvents(const std::vector<std::string>& event_tickers);
  // GET path?tickers=<keys, 100 a request>, every page; records into `found` by `key_field`. A
  // request the API refuses (not the two statuses above) sets `usable` false: callers go one by
  // one.
  Status fetchList(const std::string& path, const char* array, const RecordSchema& schema,
                   const std::vector<std::string>& keys, const char* key_field,
                   std::unordered_map<std::string, Record>& found, bool& usable);
  // GET prefix + the URL-encoded key, one object; `found` false (and metadata_error_ set) on any
  // error but the two above.
  Status getObject(const std::string& prefix, const std::string& key, const char* wrapper,
                   const RecordSchema& schema, Record& out, bool& found);
  // cache_db (one read-only connection, cache_): kalshi_markets rows stand in for metadata
  // requests (events loaded at open, markets looked up per page); kalshi_orders says which
  // orders were resting.
  void openCacheDb();
  void lookUpMarketCache(const std::vector<std::string>& tickers);
  void rejectAll(const std::string& stream, const ParsedPage& page);
  // At the end of the input: frees the metadata caches and the cache_db connection.
  void releaseCaches();
  int64_t stateInt(const std::string& key) const;
  std::string stateString(const std::string& key) const;
  // The `history` stream: per history stream, how much of it the database holds.
  Batch historyBatch() const;

  LiveSourceConfig config_;
  SourceContext* context_ = nullptr;
  KalshiApiPtr client_;
  ApiClient* real_client_ = nullptr;      // client_, when it is the real one
  std::unique_ptr<PageFetcher> fetcher_;  // the next history page, fetched ahead
  PageParser parser_;
  StateMap state_;  // what checkpoint() reports
  std::deque<std::string> pending_streams_;
  std::optional<Pass> pass_;
  // The progress line's measure (SourceContext::reportProgress): seconds of history the paged
  // streams (orders, fills, settlements) cover, each from its pass's start point to now; the
  // passes not started yet are taken to span what the current one does. Unknown (nothing
  // reported) while a pass has no start point (--full).
  void reportProgress(const Pass& pass, int64_t oldest_ts);
  size_t paged_streams_queued_ = 0;  // paged streams queued since open/catch-up, passes included
  size_t paged_passes_done_ = 0;
  uint64_t progress_done_seconds_ = 0;  // of the passes done
  int64_t pass_oldest_ts_ = 0;          // the oldest record of the current pass so far
  int64_t opened_ts_ = 0;  // when open() ran (unix s): where `since: N` counts back from
  std::optional<std::vector<int64_t>> subaccounts_;
  struct PositionPass {
    int64_t subaccount;
    bool historical;  // /historical/positions (settled, archived)
  };
  std::deque<PositionPass> position_passes_;  // the rest of this run's positions reads
  std::string positions_cursor_;
  PageGuard positions_guard_;
  // Batches ready to hand out, each with the state to adopt once it has been handed out (a page's
  // cursor must not be committed before the page itself has been delivered).
  struct Queued {
    Batch batch;
    std::optional<StateMap> state_after;
  };
  std::deque<Queued> queued_;
  StateMap next_state_;  // scratch: the state readPage() computes for its page
  // The page whose metadata is being resolved, and the tickers (in order, each once) still to look
  // up; needs_refresh_: those with an open position, marked at the market's current price.
  std::optional<Queued> awaiting_metadata_;
  std::deque<std::string> metadata_todo_;
  std::unordered_set<std::string> needs_refresh_;
  std::optional<int64_t> cutoff_trades_ts_, cutoff_orders_ts_;

  // What this run knows of markets, events and series. Markets and events are many (25,000 and
  // 19,000 at 1,000,000 fills) and live as long as the run, so they are kept by the 64-bit hash
  // of their ticker (tickerKey) with a byte or an index each, not by a string and a record each;
  // the records wait in unemitted_ only until they are handed out.
  static uint64_t tickerKey(const std::string& ticker);
  enum MarketFlags : uint8_t { kMarketFresh = 1, kMarketEmitted = 2 };
  // Tickers this run has met: kMarketFresh once fetched in this run (not from the cache),
  // kMarketEmitted once handed out.
  std::unordered_map<uint64_t, uint8_t> markets_;
  std::unordered_map<std::string, Record> unemitted_;  // `markets` records not handed out yet
  // event -> its series (an index into series_names_; "" when unknown).
  const std::string* eventSeries(const std::string& event_ticker) const;  // nullptr: not met
  void setEventSeries(const std::string& event_ticker, const std::string& series_ticker);
  std::unordered_map<uint64_t, uint32_t> events_;
  std::vector<std::string> series_names_;
  std::unordered_map<std::string, uint32_t> series_ids_;
  std::map<std::string, std::string> series_categories_;  // series -> category
  StorePtr cache_;                                        // cache_db, read-only
  bool markets_cache_ = false;                            // cache_ has kalshi_markets
  bool batch_markets_ = true;             // false once GET /markets?tickers= proved unusable
  bool batch_historical_markets_ = true;  // likewise /historical/markets?tickers=
  bool batch_events_ = true;              // likewise /events?tickers=
  std::string metadata_error_;            // why the last getObject() found nothing
  bool warned_conflict_ = false;
  bool history_emitted_ = false;
};

}  // namespace kalshi
}  // namespace kalshi_direct
