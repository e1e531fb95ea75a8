// A minimal pcapng writer (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html): one
// section, interfaces named as the switch names its ports, enhanced packet blocks with the direction
// flag, an interface statistics block at the end. Blocks are appended to a buffer that flush() writes.
//
// Why not rte_pcapng: in DPDK 22.11 rte_pcapng_fdopen writes one interface block per ethdev port,
// named after the DPDK device (there is no rte_pcapng_add_interface yet, it came in 23.11), so the
// file could not call the interface by its port name; and rte_pcapng_copy formats the block in the
// worker. Here the worker only copies bytes and the control plane formats. Host byte order, as the
// format allows (the section header's magic tells readers).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "edgegw/common/result.hpp"

namespace edgegw::dataplane {

class PcapngWriter {
 public:
  // Starts the section: must come first. `application` goes in shb_userappl.
  void section(std::string_view application);
  // Declares an Ethernet interface (timestamps in ns); returns its id for packet() and stats().
  uint32_t interface(std::string_view name, std::string_view description, uint32_t snaplen);
  // One packet: `captured` bytes of a `wire_len`-byte frame seen at `ts_ns` (ns since the epoch).
  // `direction_flags` is 1 (inbound), 2 (outbound) or 0 (unknown).
  void packet(uint32_t interface_id, uint64_t ts_ns, const uint8_t* data, uint32_t captured, uint32_t wire_len,
              uint32_t direction_flags);
  // Capture statistics: packets received by the capture and those it lost (isb_osdrop).
  void stats(uint32_t interface_id, uint64_t ts_ns, uint64_t start_ns, uint64_t received, uint64_t dropped);

  // Writes the buffered blocks to `fd` (retrying short writes) and clears the buffer.
  Result<void> flush(int fd);
  size_t buffered() const { return buf_.size(); }

 private:
  size_t begin_block(uint32_t type);
  void end_block(size_t start);
  void put16(uint16_t v);
  void put32(uint32_t v);
  void put64(uint64_t v);
  void put_raw(const void* data, size_t n);
  void put_bytes(const void* data, size_t n);  // padded to 4 bytes
  void option(uint16_t code, const void* data, uint16_t len);
  void end_of_options();

  std::vector<uint8_t> buf_;
  uint32_t interfaces_ = 0;
};

}  // namespace edgegw::dataplane
