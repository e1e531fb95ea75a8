# Turns the default config JSON into a C++ source with it as a raw string literal.
file(READ ${IN} content)
string(FIND "${content}" ")edgegw_json\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "default config contains the raw-string delimiter")
endif()
file(WRITE ${OUT} "// Generated from firmware/default-config.json; do not edit.\n#include \"edgegw/firmware/default_config.hpp\"\nnamespace edgegw::firmware {\nstd::string_view default_config_json() {\n  return R\"edgegw_json(${content})edgegw_json\";\n}\n}  // namespace edgegw::firmware\n")
