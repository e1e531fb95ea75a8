// Classifier: every match field, first match wins, the default slice, IPv4 and IPv6 prefixes, port
// and VNI ranges, the DSCP table, and rules it refuses.
#include <gtest/gtest.h>

#include "edgegw/slicing/classifier.hpp"

namespace edgegw::slicing {
namespace {

std::array<uint8_t, 16> v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

PacketMeta udp4(std::array<uint8_t, 16> src, std::array<uint8_t, 16> dst, uint16_t sport, uint16_t dport,
                uint8_t dscp = 0) {
  PacketMeta m;
  m.ip_version = 4;
  m.protocol = 17;
  m.src = src;
  m.dst = dst;
  m.src_port = sport;
  m.dst_port = dport;
  m.dscp = dscp;
  return m;
}

std::unique_ptr<Classifier> make(const std::vector<MatchRule>& rules, uint16_t def = 9) {
  std::string error;
  auto c = Classifier::create(rules, def, &error, 10);
  EXPECT_TRUE(c) << error;
  return c;
}

TEST(Classifier, EachFieldMatchesAndTheDefaultTakesTheRest) {
  MatchRule by_port{.slice = 1, .fields = MatchRule::kPorts, .ports = 1u << 3};
  MatchRule by_network{.slice = 2, .fields = MatchRule::kNetworks, .networks = 1u << 5};
  MatchRule by_pcp{.slice = 3, .fields = MatchRule::kPcp, .pcp = 1u << 5};
  MatchRule by_proto_dport{.slice = 4, .fields = MatchRule::kProtocol | MatchRule::kDstPorts, .protocol = 6};
  by_proto_dport.dst_port_first = 8000;
  by_proto_dport.dst_port_last = 8010;
  MatchRule by_src{.slice = 5, .fields = MatchRule::kSrc | MatchRule::kSrcPorts};
  by_src.src = v4(10, 1, 0, 0);
  by_src.src_length = 96 + 16;
  by_src.src_port_first = by_src.src_port_last = 5000;
  MatchRule by_dst6{.slice = 6, .fields = MatchRule::kDst};
  by_dst6.dst = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  by_dst6.dst_length = 32;
  MatchRule by_vni{.slice = 7, .fields = MatchRule::kVni};
  by_vni.vni_first = 100;
  by_vni.vni_last = 199;
  auto c = make({by_port, by_network, by_pcp, by_proto_dport, by_src, by_dst6, by_vni});

  PacketMeta m;
  m.port = 3;
  EXPECT_EQ(c->classify(m), 1);
  m.port = 2;
  EXPECT_EQ(c->classify(m), 9) << "no rule: the default";
  m.network = 5;
  EXPECT_EQ(c->classify(m), 2);
  m.network = 0;
  m.pcp = 5;
  EXPECT_EQ(c->classify(m), 3);
  PacketMeta tcp = udp4(v4(1, 1, 1, 1), v4(2, 2, 2, 2), 1, 8005);
  tcp.protocol = 6;
  EXPECT_EQ(c->classify(tcp), 4);
  tcp.dst_port = 8011;
  EXPECT_EQ(c->classify(tcp), 9);
  EXPECT_EQ(c->classify(udp4(v4(10, 1, 200, 3), v4(2, 2, 2, 2), 5000, 1)), 5);
  EXPECT_EQ(c->classify(udp4(v4(10, 2, 0, 3), v4(2, 2, 2, 2), 5000, 1)), 9) << "outside 10.1.0.0/16";
  EXPECT_EQ(c->classify(udp4(v4(10, 1, 0, 3), v4(2, 2, 2, 2), 5001, 1)), 9) << "another source port";
  PacketMeta six;
  six.ip_version = 6;
  six.protocol = 58;
  six.dst = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(c->classify(six), 6);
  six.dst[3] = 0xb9;
  EXPECT_EQ(c->classify(six), 9);
  PacketMeta tunnelled = udp4(v4(1, 1, 1, 1), v4(2, 2, 2, 2), 1, 4789);
  tunnelled.has_vni = true;
  tunnelled.vni = 150;
  EXPECT_EQ(c->classify(tunnelled), 7);
  tunnelled.vni = 200;
  EXPECT_EQ(c->classify(tunnelled), 9);
}

TEST(Classifier, FirstMatchWinsAndIpFieldsNeverMatchNonIp) {
  MatchRule dscp46{.slice = 1, .fields = MatchRule::kDscp, .dscp = uint64_t{1} << 46};
  MatchRule port_and_dscp{.slice = 2, .fields = MatchRule::kPorts | MatchRule::kDscp, .ports = 1, .dscp = ~uint64_t{0}};
  auto c = make({dscp46, port_and_dscp});
  PacketMeta ef = udp4(v4(1, 1, 1, 1), v4(2, 2, 2, 2), 1, 2, 46);
  EXPECT_EQ(c->classify(ef), 1) << "both match: the first wins";
  ef.dscp = 0;
  EXPECT_EQ(c->classify(ef), 2);
  PacketMeta arp;  // not IP, port 0: an IP field cannot match it
  EXPECT_EQ(c->classify(arp), 9);
  MatchRule none{.slice = 3, .fields = MatchRule::kPorts, .ports = 0};
  EXPECT_EQ(make({none})->classify(arp), 9) << "an empty port set matches nothing";
}

TEST(Classifier, DscpOnlyRulesUseATableWithTheSameAnswers) {
  MatchRule a{.slice = 1, .fields = MatchRule::kDscp, .dscp = (uint64_t{1} << 46) | (uint64_t{1} << 34)};
  MatchRule b{.slice = 2, .fields = MatchRule::kDscp, .dscp = (uint64_t{1} << 34) | (uint64_t{1} << 10)};
  auto c = make({a, b});
  const PacketMeta* metas[4];
  PacketMeta m[4] = {udp4({}, {}, 1, 1, 46), udp4({}, {}, 1, 1, 34), udp4({}, {}, 1, 1, 10), udp4({}, {}, 1, 1, 0)};
  for (int i = 0; i < 4; ++i) metas[i] = &m[i];
  uint16_t slices[4];
  c->classify_burst(metas, 4, slices);
  EXPECT_EQ(slices[0], 1);
  EXPECT_EQ(slices[1], 1) << "34 is in both: the first rule's";
  EXPECT_EQ(slices[2], 2);
  EXPECT_EQ(slices[3], 9);
  EXPECT_EQ(c->classify(PacketMeta{}), 9) << "non-IP frames go to the default";
}

TEST(Classifier, RefusesBadRulesNamingThem) {
  std::string error;
  MatchRule ok{.slice = 1, .fields = MatchRule::kPorts, .ports = 1};
  MatchRule reversed{.slice = 1, .fields = MatchRule::kDstPorts};
  reversed.dst_port_first = 10;
  reversed.dst_port_last = 9;
  EXPECT_EQ(Classifier::create(std::vector<MatchRule>{ok, reversed}, 0, &error, 4), nullptr);
  EXPECT_EQ(error, "rule 1: destination ports reversed");
  MatchRule long_prefix{.slice = 1, .fields = MatchRule::kSrc};
  long_prefix.src_length = 129;
  EXPECT_EQ(Classifier::create(std::vector<MatchRule>{long_prefix}, 0, &error, 4), nullptr);
  EXPECT_EQ(error, "rule 0: prefix length over 128");
  MatchRule big_vni{.slice = 1, .fields = MatchRule::kVni};
  big_vni.vni_last = 1u << 24;
  EXPECT_EQ(Classifier::create(std::vector<MatchRule>{big_vni}, 0, &error, 4), nullptr);
  EXPECT_EQ(error, "rule 0: VNI range reversed or over 24 bits");
  MatchRule far{.slice = 4, .fields = MatchRule::kPorts, .ports = 1};
  EXPECT_EQ(Classifier::create(std::vector<MatchRule>{far}, 0, &error, 4), nullptr);
  EXPECT_EQ(error, "rule 0: slice 4 out of range");
  EXPECT_EQ(Classifier::create(std::vector<MatchRule>(1025, ok), 0, &error, 4), nullptr);
  EXPECT_EQ(error, "1025 rules, at most 1024");
}

}  // namespace
}  // namespace edgegw::slicing
