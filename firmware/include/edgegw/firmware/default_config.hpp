// The embedded default config: the demo site a first start with no database runs.
#pragma once

#include <string_view>

namespace edgegw::firmware {

std::string_view default_config_json();

}  // namespace edgegw::firmware
