// Documents with routed and NAT networks for the config unit tests: four ports ("up" physical,
// "vm" a guest NIC, "ct" a container's veth, "host" the box at 192.168.50.2/24) and builders for
// the networks and routes over them.
#pragma once

#include <string>

namespace edgegw::control::test {

inline const std::string kRoutedPorts =
    R"({"name": "up", "kind": "af_packet", "iface": "egw-up"},
       {"name": "vm", "kind": "vhost"},
       {"name": "ct", "kind": "af_packet", "iface": "egw-ct", "role": "guest"},
       {"name": "host", "kind": "host", "iface": "egw-host", "address": "192.168.50.2/24"})";

// A network object; `extra` is appended to its fields (", \"dhcp\": {}").
inline std::string with_mode(const std::string& mode, const std::string& name, const std::string& ports,
                             const std::string& subnet, const std::string& gateway, const std::string& extra = "") {
  std::string n = R"({"name": ")" + name + R"(", "mode": ")" + mode + R"(", "ports": [)" + ports + "]";
  if (!subnet.empty()) n += R"(, "subnet": ")" + subnet + "\"";
  if (!gateway.empty()) n += R"(, "gateway": ")" + gateway + "\"";
  return n + extra + "}";
}

inline std::string routed(const std::string& name, const std::string& ports, const std::string& subnet,
                          const std::string& gateway, const std::string& extra = "") {
  return with_mode("routed", name, ports, subnet, gateway, extra);
}

inline std::string wan(const std::string& extra = "") {
  return routed("wan", R"("up")", "203.0.113.0/24", "203.0.113.2", extra);
}
inline std::string lan(const std::string& extra = "") {
  return routed("lan", R"("vm", "host")", "192.168.50.0/24", "192.168.50.1", extra);
}

inline std::string nat_net(const std::string& name, const std::string& nat,
                           const std::string& subnet = "192.168.60.0/24", const std::string& gateway = "192.168.60.1",
                           const std::string& ports = R"("vm")", const std::string& extra = "") {
  return with_mode("nat", name, ports, subnet, gateway, R"(, "nat": )" + nat + extra);
}

// The document of kRoutedPorts, `networks` and, when not empty, `routes` (the entries' text).
inline std::string routed_document(const std::string& networks, const std::string& routes = "") {
  std::string d = R"({"version": 1, "ports": [)" + kRoutedPorts + R"(], "networks": [)" + networks + "]";
  if (!routes.empty()) d += R"(, "routes": [)" + routes + "]";
  return d + "}";
}

}  // namespace edgegw::control::test
