// Errors as values: a module error code, a message and, for config, the JSON pointer of the field.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace edgegw {

enum class Errc {
  invalid_argument,  // caller passed something malformed
  validation,        // a config document failed validation (see pointer)
  stale_version,     // config version does not increase
  not_found,
  conflict,
  io,
  sqlite,
  dpdk,
  unavailable,
  internal,
};

const char* errc_name(Errc code);

struct Error {
  Errc code = Errc::internal;
  std::string message;
  std::string pointer;  // JSON pointer of the offending field, empty when not about a document

  std::string to_string() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error make_error(Errc code, std::string message, std::string pointer = {}) {
  return Error{code, std::move(message), std::move(pointer)};
}

}  // namespace edgegw
