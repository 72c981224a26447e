// Number parsing and formatting with Redis's exact rules, and small string helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cinnabar::base {

// Strict signed 64-bit parse as Redis's string2ll: optional '-', no '+', no spaces, no
// leading zeros ("0" alone is fine, "-0" is not), no overflow.
bool ParseInt64(std::string_view s, int64_t* out);
// Same rules, unsigned (no sign at all).
bool ParseUint64(std::string_view s, uint64_t* out);
// A double as Redis's getDoubleFromObject accepts it (strtod, whole string, no leading
// space, no NaN, no overflow to +-HUGE_VAL; "inf", "-inf" and hex floats are accepted).
bool ParseDouble(std::string_view s, double* out);
// The long double variant used by INCRBYFLOAT / HINCRBYFLOAT.
bool ParseLongDouble(std::string_view s, long double* out);

// Maximum characters FormatInt64 writes.
constexpr size_t kInt64Chars = 21;
// Writes the decimal form of `v` to `buf` and returns its length.
size_t FormatInt64(int64_t v, char* buf);
size_t FormatUint64(uint64_t v, char* buf);
std::string Int64ToString(int64_t v);
// Number of decimal characters FormatInt64 would write.
size_t Int64Length(int64_t v);

// A double as Redis replies it ("%.17g"; "inf"/"-inf" spelled out).
std::string FormatDouble(double d);
// A long double as INCRBYFLOAT stores it: "%.17Lf" with trailing zeros (and a trailing
// '.') removed; "-0" becomes "0".
std::string FormatLongDouble(long double v);

// Redis's sdscatrepr: `s` double-quoted, with \\ \" \n \r \t \a \b escaped and other
// unprintable bytes as \xhh (what sdssplitargs reads back; MONITOR's and the AOF
// manifest's form).
void AppendRepr(std::string* out, std::string_view s);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
void AsciiToLower(std::string* s);
void AsciiToUpper(std::string* s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// Human-readable byte counts as INFO prints them ("1.50M").
std::string BytesToHuman(int64_t n);

// The bytes as lower-case hex digits, two per byte (digests, passwords).
std::string HexEncode(std::string_view bytes);

}  // namespace cinnabar::base
