#include "local_db_fallback_source.h"

#include <algorithm>

namespace kalshi_direct {
namespace plugins {

Status LocalDbFallbackSource::open(SourceContext& context) {
  context_ = &context;
  StorePtr store;
  if (Status status = context.openReadOnlyStore(config_.path, store); !status.isOk()) {
    return Status::failed("cannot read the last known state from " + config_.path + ": " +
                          status.message());
  }
  LastKnownState state;
  if (Status status = readLastKnownState(store.get(), config_.path, config_.streams, state);
      !status.isOk()) {
    return status;
  }
  for (auto& rejected : state.rejected)
    context.reject(rejected.stream, rejected.raw, rejected.reason);
  // kalshi_live's order: balance, then positions with their markets ahead of them.
  for (const char* stream : {"balance", "markets", "positions"}) {
    if (std::find(config_.streams.begin(), config_.streams.end(), stream) == config_.streams.end())
      continue;
    Batch batch;
    batch.stream = stream;
    if (std::string(stream) == "balance") batch.records.push_back(std::move(state.balance));
    if (std::string(stream) == "markets") batch.records = std::move(state.markets);
    if (std::string(stream) == "positions") batch.records = std::move(state.positions);
    pending_.push_back(std::move(batch));
  }
  std::string message = "serving the last known state from " + config_.path;
  if (state.snapshot) {
    message += ": balance of snapshot #" + std::to_string(state.snapshot->id) + " taken at " +
               state.snapshot->taken_at + " (" + state.snapshot->source + ")";
  }
  for (const auto& batch : pending_) {
    if (batch.stream != "balance")
      message += ", " + std::to_string(batch.size()) + " " + batch.stream;
  }
  context.log(LogLevel::kWarning, message);
  return Status::ok();
}

Status LocalDbFallbackSource::read(Batch& batch) {
  while (stream_index_ < pending_.size() && record_index_ >= pending_[stream_index_].size()) {
    ++stream_index_;
    record_index_ = 0;
  }
  if (stream_index_ >= pending_.size() || context_->stopRequested()) return Status::endOfStream();
  Batch& source = pending_[stream_index_];
  const size_t limit = std::max<size_t>(1, context_->batchSize());
  const size_t end = std::min(source.size(), record_index_ + limit);
  batch.stream = source.stream;
  batch.records.reserve(end - record_index_);
  for (size_t i = record_index_; i < end; ++i)
    batch.records.push_back(std::move(source.records[i]));
  record_index_ = end;
  return Status::ok();
}

}  // namespace plugins
}  // namespace kalshi_direct
