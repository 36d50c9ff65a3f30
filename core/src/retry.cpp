#include "kalshi_direct/engine/retry.h"

#include <chrono>
#include <string>
#include <thread>

namespace kalshi_direct {

Retrier::Retrier(RetryPolicy policy, uint64_t seed, Sleep sleep)
    : policy_(policy), jitter_(seed), sleep_(std::move(sleep)) {
  if (!sleep_) {
    sleep_ = [](int64_t millis) { std::this_thread::sleep_for(std::chrono::milliseconds(millis)); };
  }
}

int64_t Retrier::backoffMillis(int failures) {
  int64_t backoff = policy_.initial_backoff_ms;
  for (int i = 1; i < failures && backoff < policy_.max_backoff_ms; ++i) backoff *= 2;
  if (backoff > policy_.max_backoff_ms) backoff = policy_.max_backoff_ms;
  std::uniform_int_distribution<int64_t> spread(backoff / 2, backoff);
  return spread(jitter_);
}

Status Retrier::run(const std::function<Status()>& call, uint64_t& retries) {
  for (int attempt = 1;; ++attempt) {
    Status status = call();
    if (status.code() != StatusCode::kRetry) return status;
    if (attempt >= policy_.max_attempts) {
      return Status::failed("gave up after " + std::to_string(attempt) +
                            (attempt == 1 ? " attempt: " : " attempts: ") + status.message());
    }
    ++retries;
    sleep_(backoffMillis(attempt));
  }
}

}  // namespace kalshi_direct
