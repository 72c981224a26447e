// ReplyBuilder: writes RESP2 or RESP3 replies straight into an output buffer. It knows
// which shapes differ between the two protocols (null, map, set, double, bool, verbatim).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/io_buf.h"

namespace cinnabar::protocol {

// Told about every error reply, for total_error_replies and errorstats.
class ErrorObserver {
 public:
  virtual ~ErrorObserver() = default;
  // `prefix` is the first word of the error ("ERR", "WRONGTYPE", ...).
  virtual void OnErrorReply(std::string_view prefix) = 0;
};

// How a list of pairs (member and score, field and value) is laid out.
enum class PairShape {
  kFlat,        // one array of 2n items, in both protocols (ZSCAN, ZPOPMIN without count)
  kNested,      // an array of n two-item arrays, in both protocols (ZMPOP, BZMPOP)
  kByProtocol,  // kFlat in RESP2, kNested in RESP3 (ZRANGE WITHSCORES, HRANDFIELD WITHVALUES)
};

class ReplyBuilder {
 public:
  ReplyBuilder(base::IoBuf* out, int resp, ErrorObserver* observer = nullptr)
      : out_(out), resp_(resp), observer_(observer) {}

  int resp() const { return resp_; }
  base::IoBuf* buffer() { return out_; }

  void SimpleString(std::string_view s);
  void Ok() { out_->Append("+OK\r\n", 5); }
  // `text` is a complete error text from protocol/errors ("ERR ...", "WRONGTYPE ...").
  void Error(std::string_view text);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void BulkInteger(int64_t v);  // an integer sent as a bulk string
  void Null();                  // RESP2 "$-1", RESP3 "_"
  void NullArray();             // RESP2 "*-1", RESP3 "_"
  void ArrayHeader(size_t n);
  void MapHeader(size_t pairs);  // RESP2: an array of 2*pairs
  void SetHeader(size_t n);      // RESP2: an array
  void PushHeader(size_t n);     // RESP2: an array
  void EmptyArray() { out_->Append("*0\r\n", 4); }
  void Double(double d);         // RESP3 ',' ; RESP2 bulk "%.17g"
  void Bool(bool b);             // RESP3 '#' ; RESP2 integer 1/0
  void Verbatim(std::string_view s, std::string_view format = "txt");  // RESP3 '=' ; RESP2 bulk

  // --- Pair lists ---
  // The header of a list of `n` pairs laid out as `shape`; then one PairStart per pair
  // before its two items.
  void PairsHeader(size_t n, PairShape shape);
  void PairStart(PairShape shape) {
    if (Nested(shape)) ArrayHeader(2);
  }
  void BulkPair(std::string_view first, std::string_view second, PairShape shape) {
    PairStart(shape);
    Bulk(first);
    Bulk(second);
  }
  // Members, with their scores when `withscores` (as `shape`), else an array of members:
  // ScoredHeader once, then Scored per member.
  void ScoredHeader(size_t n, bool withscores, PairShape shape = PairShape::kByProtocol) {
    withscores ? PairsHeader(n, shape) : ArrayHeader(n);
  }
  void Scored(std::string_view member, double score, bool withscores,
              PairShape shape = PairShape::kByProtocol) {
    if (withscores) PairStart(shape);
    Bulk(member);
    if (withscores) Double(score);
  }
  // A map of bulk strings (RESP3 map, RESP2 flat array) from a sized range of pairs.
  template <typename Pairs>
  void BulkMap(const Pairs& pairs) {
    MapHeader(pairs.size());
    for (const auto& [k, v] : pairs) {
      Bulk(k);
      Bulk(v);
    }
  }

  // Bytes already in RESP form (a reply built elsewhere).
  void Raw(std::string_view resp_bytes) { out_->Append(resp_bytes); }

 private:
  void Header(char kind, size_t n);
  bool Nested(PairShape shape) const {
    return shape == PairShape::kNested || (shape == PairShape::kByProtocol && resp_ >= 3);
  }

  base::IoBuf* out_;
  int resp_;
  ErrorObserver* observer_;
};

}  // namespace cinnabar::protocol
