// The DHCP server settings of a routed network as the DHCP server (netproto) takes them. The config
// parser checks a document's dhcp blocks with the server's own validation, so a config that parsed
// always makes a server.
#pragma once

#include "edgegw/control/config_model.hpp"
#include "edgegw/netproto/dhcp_server.hpp"

namespace edgegw::control {

// `network` has a subnet, a gateway and a dhcp block (a routed or nat network that parsed).
netproto::DhcpPoolConfig dhcp_pool_config(const NetworkConfig& network);

}  // namespace edgegw::control
