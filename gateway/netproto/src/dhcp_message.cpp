// DHCPv4 codec: bounds-checked option walk on parse, precomputed size and in-place writes on encode.
#include "edgegw/netproto/dhcp_message.hpp"

#include <bitset>
#include <utility>
#include <string>

#include "edgegw/netproto/checksum.hpp"

namespace edgegw::netproto {
namespace {

// Wire offsets of the fixed fields (RFC 2131 figure 1).
constexpr size_t kOffOp = 0, kOffHtype = 1, kOffHlen = 2, kOffHops = 3, kOffXid = 4, kOffSecs = 8,
                 kOffFlags = 10, kOffCiaddr = 12, kOffYiaddr = 16, kOffSiaddr = 20, kOffGiaddr = 24,
                 kOffChaddr = 28, kOffCookie = 236;

enum Option : uint8_t {
  kOptPad = 0,
  kOptSubnetMask = 1,
  kOptRouter = 3,
  kOptDns = 6,
  kOptHostname = 12,
  kOptDomain = 15,
  kOptMtu = 26,
  kOptRequestedIp = 50,
  kOptLeaseTime = 51,
  kOptOverload = 52,
  kOptMessageType = 53,
  kOptServerId = 54,
  kOptParamList = 55,
  kOptMaxMessageSize = 57,
  kOptT1 = 58,
  kOptT2 = 59,
  kOptClientId = 61,
  kOptEnd = 255,
};

// Carries the reason out of the option walk next to the Error.
struct Reject {
  DhcpDropReason reason;
  Error error;
};

Reject reject(DhcpDropReason reason, std::string message) {
  return Reject{reason, make_error(Errc::invalid_argument, std::move(message))};
}

std::string option_field(uint8_t code) { return "dhcp.option[" + std::to_string(code) + "]"; }

Reject bad_length(uint8_t code, size_t len, const char* expected) {
  return reject(DhcpDropReason::bad_option,
                option_field(code) + ".length: " + std::to_string(len) + ", expected " + expected);
}

// Decodes one option into `msg`. Returns false (and fills `out`) when it is malformed.
bool decode_option(uint8_t code, const uint8_t* v, size_t len, DhcpMessage& msg, Reject& out) {
  auto need = [&](bool ok, const char* expected) {
    if (!ok) out = bad_length(code, len, expected);
    return ok;
  };
  switch (code) {
    case kOptMessageType:
      if (!need(len == 1, "1")) return false;
      if (v[0] < 1 || v[0] > 8) {
        out = reject(DhcpDropReason::bad_option, option_field(code) + ": unknown message type " + std::to_string(v[0]));
        return false;
      }
      msg.type = static_cast<DhcpMessageType>(v[0]);
      return true;
    case kOptRequestedIp:
    case kOptServerId:
    case kOptLeaseTime:
    case kOptT1:
    case kOptT2:
    case kOptSubnetMask: {
      if (!need(len == 4, "4")) return false;
      const uint32_t x = load_be32(v);
      if (code == kOptRequestedIp) msg.requested_ip = x;
      if (code == kOptServerId) msg.server_id = x;
      if (code == kOptLeaseTime) msg.lease_time_s = x;
      if (code == kOptT1) msg.t1_s = x;
      if (code == kOptT2) msg.t2_s = x;
      if (code == kOptSubnetMask) msg.subnet_mask = x;
      return true;
    }
    case kOptRouter:
      if (!need(len >= 4 && len % 4 == 0, "a multiple of 4")) return false;
      msg.router = load_be32(v);
      return true;
    case kOptDns:
      if (!need(len >= 4 && len % 4 == 0, "a multiple of 4")) return false;
      msg.dns_count = 0;
      for (size_t i = 0; i < len / 4 && i < msg.dns.size(); ++i) msg.dns[msg.dns_count++] = load_be32(v + 4 * i);
      return true;
    case kOptMtu:
    case kOptMaxMessageSize: {
      if (!need(len == 2, "2")) return false;
      const uint16_t x = load_be16(v);
      // RFC 2132: an MTU below 68 or a maximum message below 576 is not allowed.
      const uint16_t minimum = code == kOptMtu ? 68 : 576;
      if (x < minimum) {
        out = reject(DhcpDropReason::bad_option,
                     option_field(code) + ": " + std::to_string(x) + " is below the minimum " + std::to_string(minimum));
        return false;
      }
      (code == kOptMtu ? msg.mtu : msg.max_message_size) = x;
      return true;
    }
    case kOptParamList:
    case kOptHostname:
    case kOptDomain:
      if (!need(len >= 1, "at least 1")) return false;
      (code == kOptParamList ? msg.param_list : code == kOptHostname ? msg.hostname : msg.domain).assign(v, len);
      return true;
    case kOptClientId:
      if (!need(len >= 2, "at least 2")) return false;  // a type byte and at least one byte of identifier
      msg.client_id.assign(v, len);
      return true;
    case kOptOverload:
      out = reject(DhcpDropReason::unsupported, option_field(code) + ": option overload is not supported");
      return false;
    default:
      return true;  // an option the server does not use
  }
}

}  // namespace

const char* dhcp_message_type_name(DhcpMessageType type) {
  switch (type) {
    case DhcpMessageType::none: return "none";
    case DhcpMessageType::discover: return "DISCOVER";
    case DhcpMessageType::offer: return "OFFER";
    case DhcpMessageType::request: return "REQUEST";
    case DhcpMessageType::decline: return "DECLINE";
    case DhcpMessageType::ack: return "ACK";
    case DhcpMessageType::nak: return "NAK";
    case DhcpMessageType::release: return "RELEASE";
    case DhcpMessageType::inform: return "INFORM";
  }
  return "unknown";
}

const char* dhcp_drop_reason_name(DhcpDropReason reason) {
  switch (reason) {
    case DhcpDropReason::truncated: return "truncated";
    case DhcpDropReason::bad_op: return "bad_op";
    case DhcpDropReason::bad_htype: return "bad_htype";
    case DhcpDropReason::bad_hlen: return "bad_hlen";
    case DhcpDropReason::bad_cookie: return "bad_cookie";
    case DhcpDropReason::bad_option: return "bad_option";
    case DhcpDropReason::no_end_option: return "no_end_option";
    case DhcpDropReason::no_message_type: return "no_message_type";
    case DhcpDropReason::unsupported: return "unsupported";
    case DhcpDropReason::not_for_server: return "not_for_server";
    case DhcpDropReason::other_server: return "other_server";
    case DhcpDropReason::not_owner: return "not_owner";
    case DhcpDropReason::bad_request: return "bad_request";
    case DhcpDropReason::pool_exhausted: return "pool_exhausted";
  }
  return "unknown";
}

Result<DhcpMessage> parse_dhcp_message(std::span<const uint8_t> payload, DhcpDropReason* reason) {
  auto fail = [&](Reject r) -> Result<DhcpMessage> {
    if (reason != nullptr) *reason = r.reason;
    return std::move(r.error);
  };
  const uint8_t* p = payload.data();
  const size_t size = payload.size();
  if (size < kDhcpHeaderLen) {
    return fail(reject(DhcpDropReason::truncated, "dhcp.length: " + std::to_string(size) +
                                                      " bytes, shorter than the 240-byte header and cookie"));
  }
  DhcpMessage msg;
  msg.op = p[kOffOp];
  if (msg.op != kBootRequest && msg.op != kBootReply) {
    return fail(reject(DhcpDropReason::bad_op, "dhcp.op: " + std::to_string(msg.op) + " is neither BOOTREQUEST nor BOOTREPLY"));
  }
  if (p[kOffHtype] != 1) {
    return fail(reject(DhcpDropReason::bad_htype, "dhcp.htype: " + std::to_string(p[kOffHtype]) + ", only Ethernet (1) is served"));
  }
  if (p[kOffHlen] != 6) {
    return fail(reject(DhcpDropReason::bad_hlen, "dhcp.hlen: " + std::to_string(p[kOffHlen]) + ", expected 6"));
  }
  if (load_be32(p + kOffCookie) != kDhcpMagicCookie) {
    return fail(reject(DhcpDropReason::bad_cookie, "dhcp.cookie: not the DHCP magic cookie 99.130.83.99"));
  }
  msg.hops = p[kOffHops];
  msg.xid = load_be32(p + kOffXid);
  msg.secs = load_be16(p + kOffSecs);
  msg.flags = load_be16(p + kOffFlags);
  msg.ciaddr = load_be32(p + kOffCiaddr);
  msg.yiaddr = load_be32(p + kOffYiaddr);
  msg.siaddr = load_be32(p + kOffSiaddr);
  msg.giaddr = load_be32(p + kOffGiaddr);
  std::memcpy(msg.chaddr.data(), p + kOffChaddr, msg.chaddr.size());

  std::bitset<256> seen;
  size_t i = kDhcpHeaderLen;
  bool ended = false;
  while (i < size) {
    const uint8_t code = p[i];
    if (code == kOptPad) {
      ++i;
      continue;
    }
    if (code == kOptEnd) {
      ended = true;
      break;
    }
    if (i + 1 >= size) {
      return fail(reject(DhcpDropReason::truncated, option_field(code) + ".length: missing, the message ends"));
    }
    const size_t len = p[i + 1];
    if (i + 2 + len > size) {
      return fail(reject(DhcpDropReason::truncated, option_field(code) + ".length: " + std::to_string(len) +
                                                        " runs past the end of the message"));
    }
    // RFC 3396 concatenates repeated options; no client of ours splits the options we read, and a
    // repeat of a fixed-size one is malformed, so a repeat is rejected rather than guessed at.
    if (seen.test(code)) return fail(reject(DhcpDropReason::bad_option, option_field(code) + ": repeated"));
    seen.set(code);
    Reject bad{DhcpDropReason::bad_option, {}};
    if (!decode_option(code, p + i + 2, len, msg, bad)) return fail(std::move(bad));
    i += 2 + len;
  }
  if (!ended) return fail(reject(DhcpDropReason::no_end_option, "dhcp.options: no end option"));
  if (msg.type == DhcpMessageType::none) {
    return fail(reject(DhcpDropReason::no_message_type, "dhcp.option[53]: missing, not a DHCP message"));
  }
  return msg;
}

namespace {

// Calls put(code, bytes, len) for every option `msg` carries, in the order they are written.
// Shared by the size computation and the writer so the two cannot disagree.
template <class Put>
void for_each_option(const DhcpMessage& msg, Put&& put) {
  uint8_t buf[16];
  auto put32 = [&](uint8_t code, uint32_t v) {
    if (v == 0) return;
    store_be32(buf, v);
    put(code, buf, 4);
  };
  auto put16 = [&](uint8_t code, uint16_t v) {
    if (v == 0) return;
    store_be16(buf, v);
    put(code, buf, 2);
  };
  auto put_bytes = [&](uint8_t code, const auto& b) {
    if (!b.empty()) put(code, b.data.data(), b.len);
  };
  if (msg.type != DhcpMessageType::none) {
    buf[0] = static_cast<uint8_t>(msg.type);
    put(kOptMessageType, buf, 1);
  }
  put32(kOptServerId, msg.server_id);
  put32(kOptLeaseTime, msg.lease_time_s);
  put32(kOptT1, msg.t1_s);
  put32(kOptT2, msg.t2_s);
  put32(kOptSubnetMask, msg.subnet_mask);
  put32(kOptRouter, msg.router);
  if (msg.dns_count != 0) {
    const size_t n = msg.dns_count < msg.dns.size() ? msg.dns_count : msg.dns.size();
    for (size_t k = 0; k < n; ++k) store_be32(buf + 4 * k, msg.dns[k]);
    put(kOptDns, buf, 4 * n);
  }
  put_bytes(kOptDomain, msg.domain);
  put16(kOptMtu, msg.mtu);
  put32(kOptRequestedIp, msg.requested_ip);
  put_bytes(kOptParamList, msg.param_list);
  put16(kOptMaxMessageSize, msg.max_message_size);
  put_bytes(kOptHostname, msg.hostname);
  put_bytes(kOptClientId, msg.client_id);
}

}  // namespace

size_t dhcp_encoded_size(const DhcpMessage& msg) {
  size_t size = kDhcpHeaderLen;
  for_each_option(msg, [&](uint8_t, const uint8_t*, size_t len) { size += 2 + len; });
  size += 1;  // end
  return size < kBootpMinLen ? kBootpMinLen : size;
}

Result<size_t> encode_dhcp_message(const DhcpMessage& msg, std::span<uint8_t> out) {
  const size_t size = dhcp_encoded_size(msg);
  if (out.size() < size) {
    return make_error(Errc::invalid_argument, "dhcp.encode: the buffer holds " + std::to_string(out.size()) +
                                                  " bytes, the message needs " + std::to_string(size));
  }
  uint8_t* p = out.data();
  std::memset(p, 0, size);  // also clears sname/file and the padding
  p[kOffOp] = msg.op;
  p[kOffHtype] = 1;
  p[kOffHlen] = 6;
  p[kOffHops] = msg.hops;
  store_be32(p + kOffXid, msg.xid);
  store_be16(p + kOffSecs, msg.secs);
  store_be16(p + kOffFlags, msg.flags);
  store_be32(p + kOffCiaddr, msg.ciaddr);
  store_be32(p + kOffYiaddr, msg.yiaddr);
  store_be32(p + kOffSiaddr, msg.siaddr);
  store_be32(p + kOffGiaddr, msg.giaddr);
  std::memcpy(p + kOffChaddr, msg.chaddr.data(), msg.chaddr.size());
  store_be32(p + kOffCookie, kDhcpMagicCookie);
  size_t i = kDhcpHeaderLen;
  for_each_option(msg, [&](uint8_t code, const uint8_t* bytes, size_t len) {
    p[i] = code;
    p[i + 1] = static_cast<uint8_t>(len);
    std::memcpy(p + i + 2, bytes, len);
    i += 2 + len;
  });
  p[i] = kOptEnd;
  return size;
}

}  // namespace edgegw::netproto
