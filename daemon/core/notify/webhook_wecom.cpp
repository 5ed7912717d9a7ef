#include "notify/webhook_wecom.hpp"

#include <boost/json.hpp>

#include "notify/text.hpp"
#include "util/json_text.hpp"

namespace indicatord {

using namespace text;

std::string render_wecom(const Digest& d) {
    Scope scope(d.templates.get());
    std::vector<std::string> blocks;
    for (const auto& it : render_items(d)) {
        std::string b = "<font color=\"" + std::string(it.alert->firing ? "warning" : "info") +
                        "\">" + it.head + "</font>" + it.text;
        if (!it.link.empty()) b += " [" + std::string(templates().link_text) + "](" + it.link + ")";
        blocks.push_back(b + "\n");
    }
    boost::json::object root;
    root["msgtype"] = "markdown";
    root["markdown"] = {
        {"content", fit_blocks("**" + digest_subject(d) + "**\n", blocks, kWecomContentLimit,
                               "<font color=\"comment\">", "</font>")}};
    return json_text(root);
}

}  // namespace indicatord
