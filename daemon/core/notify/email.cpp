#include "notify/email.hpp"

#include <algorithm>

#include "notify/mime.hpp"
#include "notify/text.hpp"
#include "util/digest.hpp"
#include "util/html_escape.hpp"

namespace indicatord {

using namespace text;
using namespace mime;

namespace {

std::vector<std::string_view> split_lines(std::string_view s) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        const auto nl = s.find('\n');
        auto line = s.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    return out;
}

std::vector<std::string> split_spaces(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto j = s.find(' ', i);
        if (j != i) out.emplace_back(s.substr(i, j == std::string_view::npos ? s.npos : j - i));
        if (j == std::string_view::npos) break;
        i = j + 1;
    }
    return out;
}

/// "addr" or "Name <addr>" as header tokens; a non-ASCII name becomes encoded-words.
std::vector<std::string> address_tokens(std::string_view address) {
    const auto a = without_crlf(address);
    const auto lt = a.rfind('<');
    if (is_ascii(a) || lt == std::string::npos) return split_spaces(a);
    std::string_view name(a.data(), lt);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
        name = name.substr(1, name.size() - 2);
    auto tokens = encoded_words(name, 39, 39);
    tokens.emplace_back(a.substr(lt));
    return tokens;
}

/// The domain of the From address, for the right side of Message-ID (RFC 5322 3.6.4: a domain
/// the sender may use); "indicatord" when the address has none that is a plain dot-atom.
std::string sender_domain(std::string_view from) {
    auto addr = without_crlf(from);
    if (const auto lt = addr.rfind('<'); lt != std::string::npos) addr = addr.substr(lt + 1);
    if (const auto gt = addr.find('>'); gt != std::string::npos) addr.resize(gt);
    const auto at = addr.rfind('@');
    auto domain = at == std::string::npos ? std::string() : addr.substr(at + 1);
    while (!domain.empty() && domain.back() == ' ') domain.pop_back();
    return is_dot_atom(domain) ? domain : "indicatord";
}

}  // namespace

EmailMessage render_email(const Digest& d, const std::string& from,
                          const std::vector<std::string>& to) {
    Scope scope(d.templates.get());
    EmailMessage m;
    m.subject = digest_subject(d);
    const auto items = render_items(d);
    const auto vars = digest_vars(d);
    const auto greeting = required(&MessageTemplates::email_greeting, vars);
    const auto intro = d.plan_name.empty() ? required(&MessageTemplates::email_intro_fallback, vars)
                                           : required(&MessageTemplates::email_intro, vars);
    const auto footer = required(&MessageTemplates::email_footer, vars);

    // text/plain
    m.text = greeting + "\n\n" + intro + "\n\n";
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i];
        m.text += std::to_string(i + 1) + ". " + it.line() + "\n";
        if (const auto* desc = find_in(it.alert->annotations, "description"))
            for (auto line : split_lines(*desc)) m.text += "   " + std::string(line) + "\n";
        if (auto task = expand(templates().email_task, {}, it.alert))
            m.text += "   " + *task + "\n";
        if (!it.link.empty())
            m.text += "   " + required(&MessageTemplates::email_link, {{"link", it.link}}) + "\n";
        m.text += "\n";
    }
    m.text += footer + "\n";

    // text/html
    m.html = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"UTF-8\"><title>" +
             escaped(m.subject) + "</title></head>\n<body>\n<p>" + escaped(greeting) + "</p>\n<p>" +
             escaped(intro) + "</p>\n<ol>\n";
    for (const auto& it : items) {
        const char* color = it.alert->firing ? "#c0392b" : "#27ae60";
        m.html += "<li><strong style=\"color:" + std::string(color) + "\">" + escaped(it.head) +
                  "</strong>" + escaped(it.text);
        if (const auto* desc = find_in(it.alert->annotations, "description"))
            for (auto line : split_lines(*desc)) m.html += "<br>\n" + escaped(line);
        if (auto task = expand(templates().email_task, {}, it.alert))
            m.html += "<br>\n" + escaped(*task);
        if (!it.link.empty())
            m.html += "<br>\n<a href=\"" + escaped(it.link) + "\">" +
                      escaped(templates().link_text) + "</a>";
        m.html += "</li>\n";
    }
    m.html += "</ol>\n<p style=\"color:#888888\">" + escaped(footer) + "</p>\n</body>\n</html>\n";

    // RFC 5322 message
    const std::string key = without_crlf(d.idempotency_key);
    // Kept readable when it can be: a dot-atom key and the domain within 70 characters keep the
    // line under 76.
    const std::string domain = sender_domain(from);
    const std::string message_id =
        "<" +
        (is_dot_atom(key) && key.size() + domain.size() <= 70 ? key
                                                              : sha256_hex(key).substr(0, 32)) +
        "@" + domain + ">";
    const std::string boundary =
        "=_indicatord_" + sha256_hex(key + "\n" + format_instant(d.created_at)).substr(0, 32);

    std::vector<std::string> to_tokens;
    for (std::size_t i = 0; i < to.size(); ++i) {
        auto tokens = address_tokens(to[i]);
        if (tokens.empty()) continue;
        if (!to_tokens.empty()) to_tokens.back() += ",";
        to_tokens.insert(to_tokens.end(), tokens.begin(), tokens.end());
    }
    if (to_tokens.empty()) to_tokens.emplace_back("undisclosed-recipients:;");

    std::string& message = m.mime;
    message += fold_header("From", address_tokens(from));
    message += fold_header("To", to_tokens);
    message += fold_header("Subject", encoded_words(m.subject, 39, 45));
    message += fold_header("Date", {rfc5322_date(d.created_at)});
    message += fold_header("Message-ID", {message_id});
    message += fold_header(kIdempotencyHeader, {key});
    message += "Auto-Submitted: auto-generated\r\n";  // RFC 3834: no out-of-office replies
    message += "MIME-Version: 1.0\r\n";
    message += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
    message += "\r\n";
    const auto part = [&](std::string_view type, std::string_view body) {
        message += "--" + boundary + "\r\n";
        message += "Content-Type: " + std::string(type) + "; charset=UTF-8\r\n";
        message += "Content-Transfer-Encoding: base64\r\n\r\n";
        message += base64_lines(crlf_text(body));
    };
    part("text/plain", m.text);
    part("text/html", m.html);
    message += "--" + boundary + "--\r\n";
    return m;
}

}  // namespace indicatord
