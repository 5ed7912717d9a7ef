#include "notify/webhook_feishu.hpp"

#include <boost/json.hpp>

#include "notify/text.hpp"
#include "util/digest.hpp"
#include "util/json_text.hpp"
#include "util/utf8.hpp"

namespace indicatord {

using namespace text;

std::string render_feishu(const Digest& d, const std::string& secret, std::int64_t timestamp_s) {
    Scope scope(d.templates.get());
    namespace json = boost::json;
    const auto items = render_items(d);
    // Rough JSON cost of a row beyond its text: [{"tag":"text","text":""},{"tag":"a",...}]
    constexpr std::size_t kRowOverhead = 80;
    std::vector<std::size_t> sizes;
    for (const auto& it : items) sizes.push_back(it.line().size() + it.link.size() + kRowOverhead);
    const auto subject = digest_subject(d);
    const std::size_t k = count_fitting(sizes, subject.size(), kFeishuTextLimit);

    json::array rows;
    const auto text_row = [](std::string text) {
        return json::array{json::object{{"tag", "text"}, {"text", std::move(text)}}};
    };
    for (std::size_t i = 0; i < items.size() && (i < k || rows.empty()); ++i) {
        std::string line = items[i].line();
        if (i >= k)
            line = std::string(utf8_prefix(line, kFeishuTextLimit / 2)) + "…";  // one huge alert
        auto row = text_row(line);
        if (!items[i].link.empty())
            row.push_back(json::object{
                {"tag", "a"}, {"text", templates().link_text}, {"href", items[i].link}});
        rows.push_back(std::move(row));
    }
    if (rows.size() < items.size()) rows.push_back(text_row(more_line(items.size() - rows.size())));

    json::object root;
    if (!secret.empty()) {
        const auto ts = std::to_string(timestamp_s);
        root["timestamp"] = ts;
        root["sign"] = base64(hmac_sha256(ts + "\n" + secret, ""));
    }
    root["msg_type"] = "post";
    root["content"] = {{"post", {{"zh_cn", {{"title", subject}, {"content", std::move(rows)}}}}}};
    return json_text(root);
}

}  // namespace indicatord
