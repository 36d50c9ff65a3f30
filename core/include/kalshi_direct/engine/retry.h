// The runner's one retry loop, for source reads and sink writes alike.
//
// A call that answers kRetry (a busy database, a transient failure the plugin could not ride out
// itself) is called again after an exponential backoff with jitter: the first wait is
// initial_backoff_ms, each next one doubles, capped at max_backoff_ms, and each is drawn from
// [backoff / 2, backoff] so that several writers do not retry in step. After max_attempts calls
// (the first included) the retry is over: kFailed "gave up after N attempts: <last message>".
// Any other answer ends the loop at once and is returned as it is.
#pragma once

#include <cstdint>
#include <functional>
#include <random>

#include "kalshi_direct/engine/pipeline_spec.h"
#include "kalshi_direct/status.h"

namespace kalshi_direct {

class Retrier {
 public:
  using Sleep = std::function<void(int64_t millis)>;

  // `sleep` waits between attempts (tests pass one that records instead of sleeping).
  explicit Retrier(RetryPolicy policy, uint64_t seed = std::random_device{}(), Sleep sleep = {});

  // The wait after `failures` failed attempts (1 = after the first).
  int64_t backoffMillis(int failures);

  // Calls `call` until it answers something other than kRetry or the attempts are used up;
  // adds each retry to `retries`.
  Status run(const std::function<Status()>& call, uint64_t& retries);

 private:
  RetryPolicy policy_;
  std::mt19937_64 jitter_;
  Sleep sleep_;
};

}  // namespace kalshi_direct
