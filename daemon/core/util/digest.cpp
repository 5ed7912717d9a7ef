#include "util/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace indicatord {

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

Sha256 sha256(std::string_view data) {
    // Fetched once: EVP_sha256() makes OpenSSL 3 look the implementation up again at every
    // digest (a property query under locks), once per API request for the token check. One
    // context per thread, reused: EVP_Digest allocates and frees a context at every call.
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    struct Free {
        void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
    };
    thread_local const std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
    Sha256 digest;
    unsigned int len = 0;
    if (!md || !ctx || !EVP_DigestInit_ex(ctx.get(), md, nullptr) ||
        !EVP_DigestUpdate(ctx.get(), data.data(), data.size()) ||
        !EVP_DigestFinal_ex(ctx.get(), digest.data(), &len) || len != digest.size())
        throw std::runtime_error("SHA-256 failed");
    return digest;
}

std::string sha256_hex(std::string_view data, std::size_t digits) {
    const auto digest = sha256(data);
    return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()),
                                   std::min<std::size_t>(digest.size(), digits / 2)));
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    static const unsigned char empty = 0;
    const auto* msg =
        message.empty() ? &empty : reinterpret_cast<const unsigned char*>(message.data());
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), msg, message.size(), digest,
              &len))
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(digest), len);
}

std::string base64(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()),
                                  static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

}  // namespace indicatord
