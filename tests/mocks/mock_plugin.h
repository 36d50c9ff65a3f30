// GoogleMock mocks of every core interface (Envoy's test/mocks style). Prefer StrictMock.
#pragma once

#include <gmock/gmock.h>

#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace testing {

// The mocks' StageContext::openReadOnlyStore does what the engine's contexts do.
#define KD_MOCK_OPEN_READ_ONLY_STORE                                                   \
  MOCK_METHOD(Status, openReadOnlyStore, (const std::string& location, StorePtr& out), \
              (override));                                                             \
  void delegateOpenReadOnlyStore() {                                                   \
    ON_CALL(*this, openReadOnlyStore(::testing::_, ::testing::_))                      \
        .WillByDefault(::testing::Invoke(&openReadOnlyIfExists));                      \
  }

// The StageContext methods every mock context has.
#define KD_MOCK_STAGE_CONTEXT_METHODS                                               \
  MOCK_METHOD(const std::string&, pipelineName, (), (const, override));             \
  MOCK_METHOD(const std::string&, stageName, (), (const, override));                \
  MOCK_METHOD(void, log, (LogLevel level, const std::string& message), (override)); \
  MOCK_METHOD(void, registerSecret, (const std::string& secret), (override));       \
  MOCK_METHOD(bool, dryRun, (), (const, override));                                 \
  MOCK_METHOD(bool, stopRequested, (), (const, override));                          \
  MOCK_METHOD(void, addCounter, (const std::string& name, uint64_t delta), (override));

class MockStageContext : public StageContext {
 public:
  MockStageContext() { delegateOpenReadOnlyStore(); }
  KD_MOCK_OPEN_READ_ONLY_STORE
  KD_MOCK_STAGE_CONTEXT_METHODS
};

class MockSourceContext : public SourceContext {
 public:
  MockSourceContext() { delegateOpenReadOnlyStore(); }
  KD_MOCK_OPEN_READ_ONLY_STORE
  KD_MOCK_STAGE_CONTEXT_METHODS
  MOCK_METHOD(size_t, batchSize, (), (const, override));
  MOCK_METHOD(const StateMap&, committedState, (), (const, override));
  MOCK_METHOD(void, reject,
              (const std::string& stream, const std::string& raw, const std::string& reason),
              (override));
};

class MockSinkContext : public SinkContext {
 public:
  // Reference-returning methods need a default even in a NiceMock.
  KD_MOCK_OPEN_READ_ONLY_STORE
  MockSinkContext() {
    delegateOpenReadOnlyStore();
    ON_CALL(*this, pipelineName()).WillByDefault(::testing::ReturnRef(name_));
    ON_CALL(*this, stageName()).WillByDefault(::testing::ReturnRef(name_));
    ON_CALL(*this, committedState()).WillByDefault(::testing::ReturnRef(state_));
    ON_CALL(*this, inputFields()).WillByDefault(::testing::ReturnRef(input_fields_));
  }
  std::string name_ = "test";
  StateMap state_;             // what committedState() returns by default
  StreamFields input_fields_;  // what inputFields() returns by default
  KD_MOCK_STAGE_CONTEXT_METHODS
  MOCK_METHOD(Store*, store, (), (override));
  MOCK_METHOD(const StateMap&, committedState, (), (const, override));
  MOCK_METHOD(const StreamFields&, inputFields, (), (const, override));
};

class MockModelContext : public ModelContext {
 public:
  KD_MOCK_OPEN_READ_ONLY_STORE
  explicit MockModelContext(Store& store) : store_(store) {
    delegateOpenReadOnlyStore();
    ON_CALL(*this, pipelineName()).WillByDefault(::testing::ReturnRef(name_));
    ON_CALL(*this, stageName()).WillByDefault(::testing::ReturnRef(name_));
  }
  Store& store() override { return store_; }
  std::string name_ = "test";
  KD_MOCK_STAGE_CONTEXT_METHODS

 private:
  Store& store_;
};

class MockEmitter : public Emitter {
 public:
  MOCK_METHOD(void, emit, (Batch && batch), (override));
  MOCK_METHOD(void, reject, (const std::string& stream, Record&& record, const std::string& reason),
              (override));
};

// Collects what a transform emits, for tests that check rows rather than calls.
class CollectingEmitter : public Emitter {
 public:
  void emit(Batch&& batch) override { batches.push_back(std::move(batch)); }
  void reject(const std::string& stream, Record&& record, const std::string& reason) override {
    rejected.push_back({stream, std::move(record), reason});
  }
  struct Rejected {
    std::string stream;
    Record record;
    std::string reason;
  };
  std::vector<Batch> batches;
  std::vector<Rejected> rejected;
};

class MockSource : public Source {
 public:
  MOCK_METHOD(Status, open, (SourceContext & context), (override));
  MOCK_METHOD(Status, read, (Batch & batch), (override));
  MOCK_METHOD(StateMap, checkpoint, (), (const, override));
  MOCK_METHOD(Status, close, (), (override));
};

class MockTransform : public Transform {
 public:
  MOCK_METHOD(Status, open, (StageContext & context), (override));
  MOCK_METHOD(Status, process, (Batch && batch, Emitter& out), (override));
  MOCK_METHOD(Status, finish, (Emitter & out), (override));
  MOCK_METHOD(Status, close, (), (override));
};

class MockModel : public Model {
 public:
  MOCK_METHOD(Status, open, (ModelContext & context), (override));
  MOCK_METHOD(Status, run, (const ModelRun& run), (override));
  MOCK_METHOD(void, rollback, (), (override));
  MOCK_METHOD(Status, close, (), (override));
};

class MockSink : public Sink {
 public:
  MOCK_METHOD(std::string, storeLocation, (), (const, override));
  MOCK_METHOD(Status, open, (SinkContext & context), (override));
  MOCK_METHOD(WriteResult, write, (const Batch& batch), (override));
  MOCK_METHOD(Status, flush, (), (override));
  MOCK_METHOD(Status, finish, (), (override));
  MOCK_METHOD(StateMap, checkpoint, (), (const, override));
  MOCK_METHOD(Status, commit, (), (override));
  MOCK_METHOD(void, rollback, (), (override));
  MOCK_METHOD(Status, close, (), (override));
};

}  // namespace testing
}  // namespace kalshi_direct
