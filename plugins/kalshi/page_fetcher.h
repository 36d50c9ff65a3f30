// PageFetcher: the next page of a paged read, fetched and parsed on a thread of its own while the
// reader hands out, transforms and writes the current one (parsing overlapped with writing).
//
// A queue of one page. prefetch(request) starts the request the reader will make next; take()
// hands its result over when the reader then makes exactly that request, and otherwise drops it
// and returns false, and the reader makes the request itself. So which pages are read, in which
// order, and the state the reader commits after each are the reader's alone: a page fetched ahead
// but not taken (a stop, a failure elsewhere) is dropped, never handed out, and the next run asks
// for it again from the committed state (exactly once, as without the fetcher).
//
// The fetch uses its own client (a second keep-alive connection to the same API, drawing from the
// reader's token bucket: ApiClient::shareRateLimit) and its own parser. The counters and debug
// lines of a fetch come back with its result, for the reader to report from its own thread: stage
// contexts belong to the runner's thread. A failed fetch comes back as its Status, like a request
// the reader made itself.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kalshi/api_client.h"
#include "kalshi/api_parser.h"

namespace kalshi_direct {
namespace kalshi {

class PageFetcher {
 public:
  struct Request {
    std::string path;
    Query query;
    const char* array = nullptr;  // the page's list field ("fills")
    const RecordSchema* schema = nullptr;
    bool operator==(const Request& other) const {
      return path == other.path && query == other.query && array == other.array &&
             schema == other.schema;
    }
  };
  struct Result {
    Status status;
    ParsedPage page;
    std::vector<std::pair<std::string, uint64_t>> counters;  // on_counter calls, in order
    std::vector<std::string> debug_lines;                    // on_debug calls, in order
  };

  // `client`'s stop_requested is kept (it is asked from the fetch thread and the client's
  // watcher: it must be thread-safe); its on_counter and on_debug are the fetcher's.
  explicit PageFetcher(KalshiApiPtr client);
  // Cuts a fetch in flight short (as a stop does) and waits for its thread.
  ~PageFetcher();
  PageFetcher(const PageFetcher&) = delete;
  PageFetcher& operator=(const PageFetcher&) = delete;

  // Starts fetching `request` (one at a time: a fetch already under way is waited for and dropped).
  void prefetch(Request request);
  // When the fetch under way (or done) is `request`: waits for it, moves its result into `out`
  // and returns true. Otherwise drops whatever was fetched and returns false.
  bool take(const Request& request, Result& out);

 private:
  void wait();

  KalshiApiPtr client_;
  PageParser parser_;  // the fetch thread's
  Request request_;
  Result result_;  // written by the fetch thread until wait() joins it
  bool pending_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace kalshi
}  // namespace kalshi_direct
