#include "notify/webhook_dingtalk.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <stdexcept>

#include "notify/text.hpp"
#include "util/digest.hpp"
#include "util/json_text.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

using namespace text;

std::string render_dingtalk(const Digest& d) {
    Scope scope(d.templates.get());
    const auto subject = digest_subject(d);
    std::vector<std::string> blocks;
    for (const auto& it : render_items(d)) {
        std::string b = it.line();
        if (!it.link.empty()) b += " [" + std::string(templates().link_text) + "](" + it.link + ")";
        blocks.push_back(b + "\n\n");
    }
    boost::json::object root;
    root["msgtype"] = "markdown";
    root["markdown"] = {
        {"title", subject},
        {"text", fit_blocks("#### " + subject + "\n\n", blocks, kDingtalkTextLimit)}};
    return json_text(root);
}

std::string dingtalk_signed_url(const std::string& webhook_url, const std::string& secret,
                                std::int64_t timestamp_ms) {
    const auto ts = std::to_string(timestamp_ms);
    const auto sign = percent_encode(base64(hmac_sha256(secret, ts + "\n" + secret)));
    auto parsed = boost::urls::parse_uri(webhook_url);
    if (!parsed)  // the URL itself is not quoted: it carries the access token
        throw std::invalid_argument("the webhook URL does not parse: " + parsed.error().message());
    boost::urls::url url = *parsed;
    url.encoded_params().append({"timestamp", ts});
    url.encoded_params().append({"sign", sign});
    return std::string(url.buffer());
}

}  // namespace indicatord
