// The table compiler's slice part (see switch_compiler_slices.cpp). Internal to edgegw_control.
#pragma once

#include "edgegw/control/config_model.hpp"
#include "edgegw/dataplane/switch_spec.hpp"

namespace edgegw::control {

// Fills the ports' shapers and the slices of `spec`, whose ports are `config`'s in the same order.
void compile_slices(const GatewayConfig& config, dataplane::SwitchSpec& spec);

}  // namespace edgegw::control
