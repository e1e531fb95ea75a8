// Structured one-line log records with a level, to stderr (journald reads the <N> priority prefix).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace edgegw::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  template <class N, class = decltype(std::to_string(N{}))>
  Field(std::string_view k, N n) : key(k), value(std::to_string(n)) {}
};

void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level* out);

// Writes `ts=... level=... comp=... msg="..." k=v ...` as one line with a single write(2).
void write(Level level, std::string_view component, std::string_view message,
           std::initializer_list<Field> fields = {});

inline void debug(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { write(Level::debug, c, m, f); }
inline void info(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { write(Level::info, c, m, f); }
inline void warn(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { write(Level::warn, c, m, f); }
inline void error(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { write(Level::error, c, m, f); }

// Formats one record without writing it (used by tests and by write()).
std::string format(Level level, std::string_view component, std::string_view message,
                   std::initializer_list<Field> fields, bool journal_prefix);

}  // namespace edgegw::log
