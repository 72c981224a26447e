// Data-path results: a status code without strings or allocation, and a value-or-status.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

namespace cinnabar::base {

// Why an operation on the keyspace did not produce a value. The wire text for each lives in
// protocol/errors.h; nothing below protocol/ turns these into strings.
enum class OpStatus : unsigned char {
  kOk,
  kNotFound,        // the key does not exist (or has expired)
  kWrongType,       // the key holds another type
  kNotInteger,      // "value is not an integer or out of range"
  kNotFloat,        // "value is not a valid float"
  kOverflow,        // "increment or decrement would overflow"
  kNanOrInfinity,   // "increment would produce NaN or Infinity"
  kOutOfRange,      // index or offset out of range
  kSyntax,          // "syntax error"
  kTooBig,          // string exceeds proto-max-bulk-len
  kKeyExists,       // NX-style refusal
  kSkipped,         // a condition (NX/XX/GT/LT) said no
  kInvalidExpire,   // expire time overflows
  kIntOutOfRange,   // parsed as an integer but outside int's range
  kNotPositive,     // "value is out of range, must be positive"
  kDbOutOfRange,    // "DB index is out of range"
};

// A value of type T, or the OpStatus that explains its absence.
template <typename T>
class [[nodiscard]] OpResult {
 public:
  OpResult(T value) : value_(std::move(value)) {}                 // NOLINT: implicit by design
  OpResult(OpStatus status) : status_(status) { assert(status != OpStatus::kOk); }  // NOLINT

  bool ok() const { return status_ == OpStatus::kOk; }
  explicit operator bool() const { return ok(); }
  OpStatus status() const { return status_; }

  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  OpStatus status_ = OpStatus::kOk;
};

}  // namespace cinnabar::base
