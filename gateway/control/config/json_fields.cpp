// Typed field readers for the config parser: one place decides how type and range errors read.
#include "json_fields.hpp"

#include <cmath>
#include <iterator>

namespace edgegw::control::detail {
namespace {

// The position of member `name`, or nothing. Objects are small (kMaxObjectMembers), so a scan.
std::optional<size_t> position_of(const Json& object, std::string_view name) {
  size_t position = 0;
  for (auto it = object.begin(); it != object.end(); ++it, ++position) {
    if (it.key() == name) return position;
  }
  return std::nullopt;
}

std::string type_message(const char* expected, const Json& got) {
  return std::string("must be ") + expected + ", got " + json_type_name(got);
}

std::string range_message(uint64_t min, uint64_t max, const std::string& got) {
  return "must be an integer between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + got;
}

}  // namespace

ObjectReader::ObjectReader(const Json& object, Location at, std::initializer_list<std::string_view> fields,
                           IssueList& issues)
    : object_(object), at_(std::move(at)), issues_(issues) {
  size_t position = 0;
  for (auto it = object_.begin(); it != object_.end(); ++it, ++position) {
    bool known = false;
    for (std::string_view field : fields) known = known || it.key() == field;
    if (!known) issues_.add(at_.member(it.key(), position), "unknown field");
  }
}

Field ObjectReader::optional(std::string_view name) const {
  const std::optional<size_t> position = position_of(object_, name);
  if (!position) return Field{nullptr, at_};
  auto it = std::next(object_.begin(), static_cast<std::ptrdiff_t>(*position));
  return Field{&it.value(), at_.member(name, *position)};
}

Field ObjectReader::required(std::string_view name) const {
  Field field = optional(name);
  if (field.value == nullptr) report_missing(name);
  return field;
}

void ObjectReader::report_missing(std::string_view name, std::string_view reason) const {
  std::string message = "missing required field '" + std::string(name) + "'";
  if (!reason.empty()) message += ", " + std::string(reason);
  issues_.add(at_, std::move(message));
}

std::optional<std::string> read_string(const Field& field, IssueList& issues) {
  if (field.value == nullptr) return std::nullopt;
  if (!field.value->is_string()) {
    issues.add(field.at, type_message("a string", *field.value));
    return std::nullopt;
  }
  return field.value->get<std::string>();
}

std::optional<bool> read_bool(const Field& field, IssueList& issues) {
  if (field.value == nullptr) return std::nullopt;
  if (!field.value->is_boolean()) {
    issues.add(field.at, type_message("a boolean", *field.value));
    return std::nullopt;
  }
  return field.value->get<bool>();
}

std::optional<uint64_t> read_integer(const Field& field, uint64_t min, uint64_t max, IssueList& issues) {
  if (field.value == nullptr) return std::nullopt;
  const Json& value = *field.value;
  if (value.is_number_unsigned()) {
    const auto n = value.get<uint64_t>();
    if (n >= min && n <= max) return n;
  } else if (value.is_number_integer()) {
    const auto n = value.get<int64_t>();
    if (n >= 0 && static_cast<uint64_t>(n) >= min && static_cast<uint64_t>(n) <= max) {
      return static_cast<uint64_t>(n);
    }
  } else if (value.is_number_float()) {
    // Compared as doubles before converting: converting an out-of-range double is undefined.
    const double d = value.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && d >= static_cast<double>(min) &&
        d <= static_cast<double>(max)) {
      return static_cast<uint64_t>(d);
    }
  } else {
    issues.add(field.at, type_message("an integer", value));
    return std::nullopt;
  }
  issues.add(field.at, range_message(min, max, value.dump()));
  return std::nullopt;
}

const Json* read_array(const Field& field, IssueList& issues) {
  if (field.value == nullptr) return nullptr;
  if (!field.value->is_array()) {
    issues.add(field.at, type_message("an array", *field.value));
    return nullptr;
  }
  return field.value;
}

const Json* read_object(const Field& field, IssueList& issues) {
  if (field.value == nullptr) return nullptr;
  if (!field.value->is_object()) {
    issues.add(field.at, type_message("an object", *field.value));
    return nullptr;
  }
  return field.value;
}

std::string one_of_message(const std::vector<std::string_view>& accepted, std::string_view got) {
  std::string message = "must be one of ";
  for (size_t i = 0; i < accepted.size(); ++i) {
    if (i > 0) message += ", ";
    message += quote_text(accepted[i]);
  }
  return message + ", got " + quote_text(got);
}

size_t code_point_count(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
  return count;
}

}  // namespace edgegw::control::detail
