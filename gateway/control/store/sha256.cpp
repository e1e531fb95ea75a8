// sha256_hex: the store's only OpenSSL call (EVP, the non-deprecated OpenSSL 3 digest API).
#include <openssl/evp.h>

#include <cstdlib>

#include "edgegw/common/log.hpp"
#include "edgegw/control/store.hpp"

namespace edgegw::control {

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    // Only fails when OpenSSL cannot allocate or its provider is broken; a config hash that
    // silently differs would be worse than stopping.
    log::error("store", "EVP_Digest(sha256) failed");
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

}  // namespace edgegw::control
