#include "base/status.h"

#include <cstring>

namespace cinnabar::base {

Status Status::Error(std::string message) {
  Status s;
  s.message_ = std::make_shared<const std::string>(std::move(message));
  return s;
}

Status Status::FromErrno(std::string_view context, int err) {
  std::string m(context);
  m += ": ";
  m += std::strerror(err);
  return Error(std::move(m));
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return message_ ? *message_ : kEmpty;
}

}  // namespace cinnabar::base
