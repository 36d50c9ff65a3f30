#include "kalshi_direct/engine/source_switch.h"

namespace kalshi_direct {

namespace {

// A plugin's call, with an exception turned into kFailed.
template <typename Call>
Status guardedCall(Call&& call) {
  try {
    return call();
  } catch (const std::exception& error) {
    return Status::failed(error.what());
  } catch (...) {
    return Status::failed("unknown exception");
  }
}

}  // namespace

SourceSwitch::SourceSwitch(SourcePtr primary, OpenFallback open_fallback)
    : primary_(std::move(primary)), open_fallback_(std::move(open_fallback)) {}

bool SourceSwitch::shouldSwitch(const Status& reason) const {
  return reason.code() == StatusCode::kUnavailable && open_fallback_ && !fallback_;
}

Status SourceSwitch::switchToFallback(const std::function<void(const Status&)>& close_failed) {
  try {
    primary_state_ = primary_->checkpoint();
  } catch (...) {
    primary_state_ = {};
  }
  if (primary_open_) {
    const Status closed = guardedCall([&] { return primary_->close(); });
    if (!closed.isOk() && close_failed) close_failed(closed);
    primary_closed_ = true;
  }
  SourcePtr fallback;
  if (Status status = open_fallback_(fallback); !status.isOk()) return status;
  fallback_ = std::move(fallback);
  return Status::ok();
}

Source* SourceSwitch::active() const {
  if (fallback_) return fallback_.get();
  return primary_open_ && !primary_closed_ ? primary_.get() : nullptr;
}

StateMap SourceSwitch::checkpoint() const {
  if (fallback_ || !primary_open_) return primary_state_;
  try {
    return primary_->checkpoint();
  } catch (...) {
    return {};
  }
}

void SourceSwitch::close(const std::function<void(bool, const Status&)>& closed) {
  if (fallback_) closed(true, guardedCall([&] { return fallback_->close(); }));
  if (primary_open_ && !primary_closed_) {
    primary_closed_ = true;
    closed(false, guardedCall([&] { return primary_->close(); }));
  }
}

}  // namespace kalshi_direct
