#include "util/redact.hpp"

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <optional>
#include <vector>

#include "util/ascii.hpp"

namespace indicatord {

namespace {

/// A query parameter whose value is a credential: its name contains one of these words
/// (access_token, key, secret, sign, signature, password, api_key, client_secret...), or is
/// one of the exact names below (DingTalk signs with timestamp + sign; OAuth passes a code).
bool secret_parameter(std::string_view name) {
    static constexpr std::array<std::string_view, 9> kWords{
        "token", "secret", "key", "pass", "pwd", "sig", "auth", "credential", "session"};
    static constexpr std::array<std::string_view, 2> kExact{"timestamp", "code"};
    const auto n = ascii_lower(name);
    return std::any_of(kWords.begin(), kWords.end(),
                       [&](std::string_view w) { return n.find(w) != std::string::npos; }) ||
           std::find(kExact.begin(), kExact.end(), n) != kExact.end();
}

/// A path segment after which every segment is a credential (Feishu /open-apis/bot/v2/hook/<id>,
/// Slack /services/T…/B…/<secret>, Discord /api/webhooks/<id>/<token>).
bool secret_path_follows(std::string_view segment) {
    const auto s = ascii_lower(segment);
    // not "webhook": WeCom's is /cgi-bin/webhook/send?key=...
    return s == "hook" || s == "hooks" || s == "webhooks" || s == "services";
}

struct Redacted {
    std::string url;
    std::vector<std::string> secrets;  // as written in the URL and percent-decoded
};

std::optional<Redacted> redact(std::string_view text) {
    auto parsed = boost::urls::parse_uri_reference(text);
    if (!parsed) return std::nullopt;
    boost::urls::url u = *parsed;
    Redacted r;
    const auto keep = [&](boost::urls::pct_string_view secret) {
        r.secrets.emplace_back(secret);
        r.secrets.push_back(secret.decode());
    };
    if (u.has_password()) {
        keep(u.encoded_password());
        u.set_encoded_password(boost::urls::pct_string_view(kRedacted));
    }
    auto params = u.encoded_params();
    for (auto it = params.begin(); it != params.end(); ++it) {
        const auto param = *it;
        if (!param.has_value || param.value.empty() || !secret_parameter(param.key.decode()))
            continue;
        keep(param.value);
        it = params.set(it, boost::urls::pct_string_view(kRedacted));
    }
    auto segments = u.encoded_segments();
    bool secret = false;
    for (auto it = segments.begin(); it != segments.end(); ++it) {
        const auto segment = *it;
        if (secret && !segment.empty()) {
            keep(segment);
            it = segments.replace(it, boost::urls::pct_string_view(kRedacted));
        } else if (secret_path_follows(segment.decode())) {
            secret = true;
        }
    }
    r.url = std::string(u.buffer());
    return r;
}

void replace_all(std::string& text, std::string_view what) {
    if (what.size() < 4) return;
    for (auto at = text.find(what); at != std::string::npos;
         at = text.find(what, at + kRedacted.size()))
        text.replace(at, what.size(), kRedacted);
}

}  // namespace

std::string redact_url(std::string_view url) {
    if (auto r = redact(url)) return std::move(r->url);
    return "(unparsable URL)";
}

std::string scrub_url_secrets(std::string text, std::string_view url) {
    if (auto r = redact(url)) {
        // longest first, so that a secret containing another is replaced whole
        std::sort(r->secrets.begin(), r->secrets.end(),
                  [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
        for (const auto& s : r->secrets) replace_all(text, s);
    } else {
        replace_all(text, url);
    }
    return text;
}

}  // namespace indicatord
