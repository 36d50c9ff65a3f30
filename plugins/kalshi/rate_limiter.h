// A client-side token bucket, so a long backfill stays under Kalshi's limit instead of bouncing off
// 429s. Kalshi (since 2026-04) charges 10 tokens per read and refills per tier: Basic 200 tokens/s
// (20 reads/s), Advanced 300, Expert 600, Premier 1000, Prime 4000.
//
// acquire() blocks until the request's cost is available. Capacity is one second of refill unless
// the account says otherwise (GET /account/limits: bucket_capacity), so a burst after an idle
// period never exceeds what the exchange's own bucket would allow. The bucket refills at kPacing
// of the given rate: requests reach the exchange with jitter, and pacing at exactly its rate
// turns any request that arrives late into a 429 for the next one (measured against kalshi-sim at
// 20 reads/s: one 429 in every 84-request backfill at 100%, none at 95%).
// Thread-safe; time comes from a steady clock.
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

namespace kalshi_direct {
namespace kalshi {

class RateLimiter {
 public:
  // tokens_per_second <= 0 disables limiting.
  // capacity <= 0: one second of refill. The bucket starts full less `already_spent` tokens.
  RateLimiter(double tokens_per_second, double cost_per_request, double capacity = 0,
              double already_spent = 0)
      : rate_(tokens_per_second * kPacing),
        cost_(cost_per_request),
        capacity_(std::max(capacity > 0 ? capacity : tokens_per_second, cost_per_request)),
        tokens_(capacity_ - std::min(already_spent, capacity_)),
        last_(Clock::now()) {}

  static constexpr double kPacing = 0.95;

  bool enabled() const { return rate_ > 0; }
  double requestsPerSecond() const { return rate_ > 0 ? rate_ / cost_ : 0; }

  // Waits until one request may be sent; returns the time waited. `cost` <= 0: the default cost.
  std::chrono::milliseconds acquire(double cost = 0) {
    if (rate_ <= 0) return std::chrono::milliseconds(0);
    if (cost <= 0) cost = cost_;
    std::unique_lock<std::mutex> lock(mutex_);
    refill();
    std::chrono::milliseconds waited(0);
    if (tokens_ < cost) {
      const double seconds = (std::min(cost, capacity_) - tokens_) / rate_;
      const auto wait = std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6) + 1);
      lock.unlock();
      std::this_thread::sleep_for(wait);
      lock.lock();
      refill();
      waited = std::chrono::duration_cast<std::chrono::milliseconds>(wait);
    }
    tokens_ -= cost;  // may dip slightly below zero after a concurrent refill race; self-correcting
    return waited;
  }

  // Tier names as Kalshi publishes them -> read tokens per second (0 if unknown).
  static double tierTokensPerSecond(const std::string& tier) {
    if (tier == "basic") return 200;
    if (tier == "advanced") return 300;
    if (tier == "expert") return 600;
    if (tier == "premier") return 1000;
    if (tier == "prime") return 4000;
    return 0;
  }

 private:
  using Clock = std::chrono::steady_clock;
  void refill() {
    const auto now = Clock::now();
    tokens_ =
        std::min(capacity_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
  }

  double rate_;
  double cost_;
  double capacity_;
  double tokens_;
  Clock::time_point last_;
  std::mutex mutex_;
};

}  // namespace kalshi
}  // namespace kalshi_direct
