// Packet capture requests and their state, as the control plane sees them: plain values, no DPDK.
//
// A capture session mirrors one port's packets (what it received, what it was about to transmit)
// into a pcapng file without disturbing forwarding: the worker copies matching packets into a ring
// of its own; the control plane drains the ring into the file from a timer (Dataplane::capture_poll).
// A full ring or an empty capture pool loses the copy, never the packet, and is counted in `dropped`.
#pragma once

#include <cstdint>
#include <string>

namespace edgegw::dataplane {

// Which side of a port a session copies. The values are the pcapng EPB direction flag bits.
enum class CaptureDirection : uint8_t {
  rx = 1,    // received on the port (before any pipeline stage)
  tx = 2,    // handed to the port's transmit queue
  both = 3,
};

// Errors from Dataplane::capture_start name the offending field in Error::pointer as "/<field>"
// (e.g. "/filter", "/port"), the same names the ctl command uses.
struct CaptureRequest {
  std::string port;   // a port name of the applied SwitchSpec; the port must be up
  std::string path;   // absolute; created (or truncated) with mode 0600, symlinks refused
  CaptureDirection direction = CaptureDirection::both;
  uint32_t snaplen = 0;       // bytes kept per packet; 0 = the whole frame
  uint64_t max_packets = 0;   // the session ends after this many packets are written; 0 = no limit
  uint32_t duration_s = 0;    // the session ends after this long; 0 = no limit
  std::string filter;         // pcap filter expression (tcpdump syntax); "" = every packet
  uint32_t ring_size = 1024;  // copies in flight between the worker and the file: power of 2, 16..65536
};

struct CaptureState {
  uint32_t id = 0;
  std::string port;
  std::string path;
  uint64_t written = 0;  // packets in the file so far
  uint64_t dropped = 0;  // copies lost to a full ring or an empty capture pool (capture.dropped)
  bool done = false;     // the file is complete and closed; the session holds no resources
  std::string end_reason;  // once ending: "count", "duration", "stopped", "port removed", "write failed: ..."
};

}  // namespace edgegw::dataplane
