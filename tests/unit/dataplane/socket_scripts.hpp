// Small socket programs run in a host's network namespace for the kernel-host tests: a one-shot
// UDP or TCP server that answers with the address it saw, a client that prints the answer, and a
// way to run the two against each other.
#pragma once

#include <unistd.h>

#include <string>
#include <utility>

#include "netns_topology.hpp"

namespace edgegw::dataplane::test {

// A one-shot Python server in a namespace: answers one UDP datagram or TCP connection with the
// peer's address, and prints that address.
inline std::string echo_server(const Host& h, const std::string& proto, int port) {
  const std::string body =
      proto == "udp"
          ? "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('0.0.0.0'," + std::to_string(port) +
                "));s.settimeout(8);d,a=s.recvfrom(100);s.sendto(a[0].encode(),a);print(a[0],flush=True)"
          : "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0'," +
                std::to_string(port) +
                "));s.listen(1);s.settimeout(8);c,a=s.accept();c.sendall(a[0].encode());c.close();print(a[0],flush=True)";
  return "ip netns exec " + h.ns + " /usr/bin/python3 -c \"import socket;" + body + "\"";
}

// A client that sends "hi" and prints what comes back (the address the server saw).
inline std::string client(const Host& h, const std::string& proto, const std::string& ip, int port) {
  const std::string body =
      proto == "udp"
          ? "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(3);s.sendto(b'hi',('" + ip + "'," +
                std::to_string(port) + "));print(s.recvfrom(100)[0].decode())"
          : "s=socket.create_connection(('" + ip + "'," + std::to_string(port) + "),3);print(s.recv(100).decode())";
  return "ip netns exec " + h.ns + " /usr/bin/python3 -c \"import socket;" + body + "\"";
}

// Runs `server` in the background, then `client`; returns what each printed.
inline std::pair<std::string, std::string> exchange(const std::string& server, const std::string& client_cmd) {
  const std::string file = "/tmp/egw-sock-" + std::to_string(::getpid()) + ".out";
  Topology::run("(" + server + " > " + file + " 2>&1 &) ; sleep 0.5");
  std::string client_out;
  Topology::run(client_cmd, &client_out);
  std::string server_out;
  for (int i = 0; i < 50 && server_out.empty(); ++i) {
    Topology::run("sleep 0.1; cat " + file, &server_out);
  }
  Topology::run("rm -f " + file);
  return {server_out, client_out};
}

}  // namespace edgegw::dataplane::test
