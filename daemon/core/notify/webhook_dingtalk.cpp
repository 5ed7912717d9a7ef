#include "notify/webhook_dingtalk.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <stdexcept>

#include "notify/text.hpp"
#include "util/digest.hpp"
#include "util/errors.hpp"
#include "util/json_text.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

using namespace text;

std::string render_dingtalk(const Digest& d, const DingtalkMentions& at) {
    Scope scope(d.templates.get());
    const auto subject = digest_subject(d);
    std::vector<std::string> blocks;
    for (const auto& it : render_items(d)) {
        std::string b = it.line();
        if (!it.link.empty()) b += " [" + std::string(templates().link_text) + "](" + it.link + ")";
        blocks.push_back(b + "\n\n");
    }
    std::string mentions;
    boost::json::array mobiles, user_ids;
    for (const auto& m : at.mobiles) {
        mentions += (mentions.empty() ? "@" : " @") + m;
        mobiles.emplace_back(m);
    }
    for (const auto& u : at.user_ids) {
        mentions += (mentions.empty() ? "@" : " @") + u;
        user_ids.emplace_back(u);
    }
    auto text = fit_blocks("#### " + subject + "\n\n", blocks,
                           kDingtalkTextLimit - std::min(mentions.size(), kDingtalkTextLimit / 2));
    if (!mentions.empty()) text += mentions;
    boost::json::object root;
    root["msgtype"] = "markdown";
    root["markdown"] = {{"title", subject}, {"text", text}};
    if (!at.empty())
        root["at"] = {{"atMobiles", mobiles}, {"atUserIds", user_ids}, {"isAtAll", at.all}};
    return json_text(root);
}

namespace {

/// The template's own text: what stays whatever its placeholders give.
std::string literal_text(const std::string& t) {
    std::string out;
    bool inside = false;
    for (const char c : t) {
        if (c == '{') inside = true;
        if (!inside) out += c;
        if (c == '}') inside = false;
    }
    return out;
}

}  // namespace

void check_dingtalk_keywords(const Plan& plan, const MessageTemplates* templates) {
    const MessageTemplates& t = templates ? *templates : default_templates();
    const std::pair<const char*, const std::string*> needed[] = {
        {"subject", &t.subject}, {"subject_fallback", &t.subject_fallback}};
    for (const auto& unit : plan.units)
        for (const auto& r : unit.receivers) {
            if (r.format != "dingtalk" || r.keyword.empty()) continue;
            for (const auto& [name, text] : needed) {
                if (literal_text(*text).find(r.keyword) != std::string::npos) continue;
                const std::string robot = "the DingTalk robot of unit " + unit.id + " (" +
                                          r.defined_at + ") has keyword '" + r.keyword + "'";
                if (auto at = t.defined_at.find(name); at != t.defined_at.end())
                    throw ConfigError(at->second + ": template '" + name + "' drops " +
                                      "the keyword: " + robot +
                                      ", and DingTalk refuses a message whose text lacks it; "
                                      "write it into the template's text (outside {...})");
                throw ConfigError(r.keyword_at + ": keyword '" + r.keyword +
                                  "' is not in the default template '" + name + "' (" + *text +
                                  "), so DingTalk would refuse every message: set "
                                  "alerting.templates with a '" +
                                  name + "' that contains it");
            }
        }
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
