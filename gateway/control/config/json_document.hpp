// JSON text -> a document tree, with the limits every config document must respect. Internal to
// edgegw_config: the only place that runs nlohmann's parser, so its exceptions and messages stop here.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config_issues.hpp"

namespace edgegw::control::detail {

// Objects keep their members in document order, so issues can be reported in that order too.
using Json = nlohmann::ordered_json;

// A config is four levels deep; these bounds only stop hostile input early, before it costs memory
// (depth) or quadratic time (member lookup in an ordered object).
inline constexpr size_t kMaxNestingDepth = 32;
inline constexpr size_t kMaxObjectMembers = 64;

// Parses `text`. On a size, syntax, depth or member-count problem reports one issue and returns
// nothing. A member name given twice in one object is reported (the last value wins) and the
// document is still returned, so the rest of it is validated too.
std::optional<Json> read_json_document(std::string_view text, IssueList& issues);

// "string", "number", ...: the JSON type of a value, as messages name it.
const char* json_type_name(const Json& value);

}  // namespace edgegw::control::detail
