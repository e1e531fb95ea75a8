// Internet checksums: RFC 1071 sum, RFC 1624 incremental update.
#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto {

uint32_t checksum_add(uint32_t sum, const uint8_t* data, size_t len) {
  uint64_t acc = sum;
  size_t i = 0;
  for (; i + 1 < len; i += 2) acc += load_be16(data + i);
  if (i < len) acc += uint32_t{data[i]} << 8;
  while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
  return static_cast<uint32_t>(acc);
}

uint16_t checksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t checksum_update16(uint16_t old_checksum, uint16_t old_word, uint16_t new_word) {
  // HC' = ~(~HC + ~m + m')
  uint32_t sum = static_cast<uint16_t>(~old_checksum) + static_cast<uint32_t>(static_cast<uint16_t>(~old_word)) +
                 new_word;
  return checksum_finish(sum);
}

uint16_t checksum_update32(uint16_t old_checksum, uint32_t old_value, uint32_t new_value) {
  const uint16_t c = checksum_update16(old_checksum, static_cast<uint16_t>(old_value >> 16),
                                       static_cast<uint16_t>(new_value >> 16));
  return checksum_update16(c, static_cast<uint16_t>(old_value), static_cast<uint16_t>(new_value));
}

uint32_t pseudo_header_sum(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t l4_length) {
  uint32_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
  return sum + protocol + l4_length;
}

}  // namespace edgegw::netproto
