#pragma once

#include <array>
#include <string>
#include <string_view>

namespace indicatord {

/// Lower-case hex of `bytes`, two digits per byte: token secrets, page cursors.
std::string to_hex(std::string_view bytes);
using Sha256 = std::array<unsigned char, 32>;
/// The SHA-256 of `data` (OpenSSL EVP, a context per thread).
Sha256 sha256(std::string_view data);
/// Lower-case hex SHA-256 (OpenSSL EVP): token hashes, fingerprints, idempotency keys; its first
/// `digits` hex digits (even, at most 64) when a key is a prefix of it.
std::string sha256_hex(std::string_view data, std::size_t digits = 64);
/// Raw HMAC-SHA256 of `message` under `key` (the robots' signed URLs).
std::string hmac_sha256(std::string_view key, std::string_view message);
/// Standard Base64 with padding, no line breaks.
std::string base64(std::string_view data);

}  // namespace indicatord
