// pcapng block encoding. Every block is: type, total length, body, total length again; bodies and
// options are padded to 32 bits.
#include "capture_pcapng.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgegw::dataplane {
namespace {

constexpr uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr uint32_t kInterfaceDescription = 0x00000001;
constexpr uint32_t kInterfaceStatistics = 0x00000005;
constexpr uint32_t kEnhancedPacket = 0x00000006;
constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr uint16_t kLinkTypeEthernet = 1;

constexpr uint16_t kOptEnd = 0;
constexpr uint16_t kShbUserAppl = 4;
constexpr uint16_t kIfName = 2;
constexpr uint16_t kIfDescription = 3;
constexpr uint16_t kIfTsResol = 9;
constexpr uint16_t kEpbFlags = 2;
constexpr uint16_t kIsbStartTime = 2;
constexpr uint16_t kIsbEndTime = 3;
constexpr uint16_t kIsbIfRecv = 4;
constexpr uint16_t kIsbOsDrop = 7;

constexpr size_t padded(size_t n) { return (n + 3) & ~size_t{3}; }

}  // namespace

size_t PcapngWriter::begin_block(uint32_t type) {
  const size_t start = buf_.size();
  put32(type);
  put32(0);  // total length, patched by end_block
  return start;
}

void PcapngWriter::end_block(size_t start) {
  const auto total = static_cast<uint32_t>(buf_.size() - start + 4);
  put32(total);
  std::memcpy(buf_.data() + start + 4, &total, 4);
}

void PcapngWriter::put16(uint16_t v) { put_raw(&v, 2); }
void PcapngWriter::put32(uint32_t v) { put_raw(&v, 4); }
void PcapngWriter::put64(uint64_t v) { put_raw(&v, 8); }

void PcapngWriter::put_raw(const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  buf_.insert(buf_.end(), p, p + n);
}

void PcapngWriter::put_bytes(const void* data, size_t n) {
  put_raw(data, n);
  buf_.resize(buf_.size() + (padded(n) - n), 0);
}

void PcapngWriter::option(uint16_t code, const void* data, uint16_t len) {
  put16(code);
  put16(len);
  put_bytes(data, len);
}

void PcapngWriter::end_of_options() {
  put16(kOptEnd);
  put16(0);
}

void PcapngWriter::section(std::string_view application) {
  const size_t start = begin_block(kSectionHeader);
  put32(kByteOrderMagic);
  put16(1);  // major version
  put16(0);  // minor version
  put64(~uint64_t{0});  // section length: not given
  option(kShbUserAppl, application.data(), static_cast<uint16_t>(application.size()));
  end_of_options();
  end_block(start);
}

uint32_t PcapngWriter::interface(std::string_view name, std::string_view description, uint32_t snaplen) {
  const size_t start = begin_block(kInterfaceDescription);
  put16(kLinkTypeEthernet);
  put16(0);  // reserved
  put32(snaplen);
  option(kIfName, name.data(), static_cast<uint16_t>(name.size()));
  if (!description.empty()) option(kIfDescription, description.data(), static_cast<uint16_t>(description.size()));
  const uint8_t nanoseconds = 9;  // if_tsresol: 10^-9 s
  option(kIfTsResol, &nanoseconds, 1);
  end_of_options();
  end_block(start);
  return interfaces_++;
}

void PcapngWriter::packet(uint32_t interface_id, uint64_t ts_ns, const uint8_t* data, uint32_t captured,
                          uint32_t wire_len, uint32_t direction_flags) {
  const size_t start = begin_block(kEnhancedPacket);
  put32(interface_id);
  put32(static_cast<uint32_t>(ts_ns >> 32));
  put32(static_cast<uint32_t>(ts_ns));
  put32(captured);
  put32(wire_len);
  put_bytes(data, captured);
  if (direction_flags != 0) option(kEpbFlags, &direction_flags, 4);
  end_of_options();
  end_block(start);
}

void PcapngWriter::stats(uint32_t interface_id, uint64_t ts_ns, uint64_t start_ns, uint64_t received,
                         uint64_t dropped) {
  const size_t start = begin_block(kInterfaceStatistics);
  put32(interface_id);
  put32(static_cast<uint32_t>(ts_ns >> 32));
  put32(static_cast<uint32_t>(ts_ns));
  // Timestamps in options are split like the block's: high word first.
  const uint32_t start_time[2] = {static_cast<uint32_t>(start_ns >> 32), static_cast<uint32_t>(start_ns)};
  const uint32_t end_time[2] = {static_cast<uint32_t>(ts_ns >> 32), static_cast<uint32_t>(ts_ns)};
  option(kIsbStartTime, start_time, 8);
  option(kIsbEndTime, end_time, 8);
  option(kIsbIfRecv, &received, 8);
  option(kIsbOsDrop, &dropped, 8);
  end_of_options();
  end_block(start);
}

Result<void> PcapngWriter::flush(int fd) {
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(Errc::io, std::string("write failed: ") + std::strerror(n < 0 ? errno : EIO));
    done += static_cast<size_t>(n);
  }
  buf_.clear();
  return {};
}

}  // namespace edgegw::dataplane
