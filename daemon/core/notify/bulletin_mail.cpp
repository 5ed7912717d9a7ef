#include "notify/bulletin_mail.hpp"

#include <date/date.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <locale>

#include "notify/text.hpp"
#include "report/bulletin_formats.hpp"
#include "util/digest.hpp"
#include "util/json_text.hpp"
#include "util/utf8.hpp"

namespace indicatord {

namespace {

constexpr std::size_t kLineLimit = 76;

std::string without_crlf(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != '\r' && c != '\n') out.push_back(c);
    return out;
}

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

/// RFC 2047 encoded-words, each of whole UTF-8 characters and at most `max_bytes` of text.
std::vector<std::string> encoded_words(std::string_view text, std::size_t max_bytes) {
    std::vector<std::string> words;
    while (!text.empty()) {
        auto chunk = utf8_prefix(text, max_bytes);
        if (chunk.empty()) chunk = text.substr(0, 1);
        words.push_back("=?UTF-8?B?" + base64(chunk) + "?=");
        text.remove_prefix(chunk.size());
    }
    return words;
}

/// A header of ASCII text as is, else of encoded-words, folded between words.
std::string header(std::string_view name, std::string_view value) {
    const auto v = without_crlf(value);
    std::string out = std::string(name) + ":";
    if (is_ascii(v)) return out + " " + v + "\r\n";
    std::size_t line = out.size();
    for (const auto& w : encoded_words(v, 39)) {
        if (line + 1 + w.size() > kLineLimit) {
            out += "\r\n";
            line = 0;
        }
        out += " " + w;
        line += 1 + w.size();
    }
    return out + "\r\n";
}

std::string base64_lines(std::string_view bytes) {
    const auto encoded = base64(bytes);
    std::string out;
    out.reserve(encoded.size() + encoded.size() / kLineLimit * 2 + 2);
    for (std::size_t i = 0; i < encoded.size(); i += kLineLimit) {
        out.append(encoded, i, kLineLimit);
        out += "\r\n";
    }
    return out;
}

std::string crlf_text(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\r') continue;
        if (c == '\n') out += '\r';
        out += c;
    }
    if (!out.ends_with("\r\n")) out += "\r\n";
    return out;
}

bool is_dot_atom(std::string_view s) {
    static constexpr std::string_view special = "!#$%&'*+-/=?^_`{|}~";
    if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != s.npos) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x80 && (std::isalnum(u) || c == '.' || special.find(c) != special.npos);
    });
}

/// RFC 2231 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" /
/// "`" / "|" / "~"; every other byte is %XX. One token per character: a UTF-8 character is never
/// split between two continuation sections (some mail readers decode each on its own).
std::vector<std::string> percent_tokens(std::string_view value) {
    static constexpr std::string_view plain = "!#$&+-.^_`|~";
    static constexpr char hex[] = "0123456789ABCDEF";
    std::vector<std::string> out;
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && (std::isalnum(u) || plain.find(c) != plain.npos))
            out.emplace_back(1, c);
        else if ((u & 0xC0) == 0x80 && !out.empty())  // a character stays in one section
            out.back() += std::string{'%', hex[u >> 4], hex[u & 15]};
        else
            out.push_back(std::string{'%', hex[u >> 4], hex[u & 15]});
    }
    return out;
}

std::string receiver_key(const std::string& schedule, const std::string& period,
                         const std::string& receiver) {
    return sha256_hex("bulletin\n" + schedule + "\n" + period + "\n" + receiver).substr(0, 32);
}

}  // namespace

std::string rfc2231_parameter(std::string_view attribute, std::string_view value) {
    constexpr std::size_t kChunk = 60;
    const auto tokens = percent_tokens(without_crlf(value));
    std::string whole = "UTF-8''";
    for (const auto& t : tokens) whole += t;
    if (whole.size() <= kChunk) return std::string(attribute) + "*=" + whole;
    std::vector<std::string> chunks{"UTF-8''"};
    for (const auto& t : tokens) {
        if (chunks.back().size() + t.size() > kChunk) chunks.emplace_back();
        chunks.back() += t;
    }
    std::string out;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        if (i) out += ";\r\n ";
        out += std::string(attribute) + "*" + std::to_string(i) + "*=" + chunks[i];
    }
    return out;
}

std::string render_attached_mail(const AttachedMail& m) {
    const auto key = without_crlf(m.idempotency_key);
    const std::string message_id =
        "<" + (is_dot_atom(key) && key.size() <= 60 ? key : sha256_hex(key).substr(0, 32)) +
        "@indicatord>";
    const std::string boundary = "=_indicatord_" + sha256_hex("mixed\n" + key).substr(0, 32);
    std::string to;
    for (const auto& t : m.to) to += (to.empty() ? "" : ", ") + without_crlf(t);
    std::string mime;
    mime += header("From", m.from);
    mime += header("To", to.empty() ? "undisclosed-recipients:;" : to);
    mime += header("Subject", m.subject);
    mime += "Date: " +
            date::format(std::locale::classic(), "%a, %d %b %Y %T %z",
                         std::chrono::floor<std::chrono::seconds>(m.date)) +
            "\r\n";
    mime += "Message-ID: " + message_id + "\r\n";
    mime += std::string(kIdempotencyHeader) + ": " + key + "\r\n";
    mime += "MIME-Version: 1.0\r\n";
    mime += "Content-Type: multipart/mixed;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
    mime += "--" + boundary + "\r\n";
    mime += "Content-Type: text/plain; charset=UTF-8\r\n";
    mime += "Content-Transfer-Encoding: base64\r\n\r\n";
    mime += base64_lines(crlf_text(m.text));
    for (const auto& a : m.attachments) {
        std::string name_words;
        for (const auto& w : encoded_words(without_crlf(a.file_name), 45))
            name_words += (name_words.empty() ? "" : "\r\n ") + w;
        mime += "--" + boundary + "\r\n";
        mime += "Content-Type: " + without_crlf(a.content_type) + ";\r\n name=\"" + name_words +
                "\"\r\n";
        mime += "Content-Disposition: attachment;\r\n " +
                rfc2231_parameter("filename", a.file_name) + "\r\n";
        mime += "Content-Transfer-Encoding: base64\r\n\r\n";
        mime += base64_lines(a.bytes);
    }
    mime += "--" + boundary + "--\r\n";
    return mime;
}

std::string scheduled_file_name(const Bulletin& b, std::string_view period,
                                std::string_view extension) {
    // a name safe on every file system: no path separators nor characters Windows refuses
    std::string name;
    for (char c : b.plan_name + "督查通报-" + std::string(period))
        name += std::string_view("/\\:*?\"<>|").find(c) == std::string_view::npos ? c : '_';
    return name + "." + std::string(extension);
}

std::vector<OutboxEntry> bulletin_outbox(const Plan& plan, const Bulletin& b,
                                         const BulletinSending& s) {
    const auto listed = [&](std::string_view f) {
        return std::find(s.formats.begin(), s.formats.end(), f) != s.formats.end();
    };
    // the receivers, each once, in the order named
    std::vector<std::pair<std::string, const Receiver*>> receivers;
    for (const auto& name : s.to) {
        const auto slash = name.find('/');
        const Unit* unit = plan.find_unit(name.substr(0, slash));
        if (!unit) continue;
        for (std::size_t i = 0; i < unit->receivers.size(); ++i) {
            if (slash != std::string::npos && name.substr(slash + 1) != std::to_string(i)) continue;
            auto ref = unit->id + "/" + std::to_string(i);
            if (std::none_of(receivers.begin(), receivers.end(),
                             [&](const auto& r) { return r.first == ref; }))
                receivers.emplace_back(std::move(ref), &unit->receivers[i]);
        }
    }
    const std::string subject = b.plan_name + " 督查通报（截至" + day_text(b.as_of_day) + "）";
    std::vector<MailAttachment> attachments;
    bool emails = false;
    for (const auto& [ref, r] : receivers) emails |= !r->email.empty();
    if (emails && !s.smtp_from.empty())
        for (const auto format : {BulletinFormat::xlsx, BulletinFormat::html, BulletinFormat::json})
            if (listed(to_string(format)))
                attachments.push_back({scheduled_file_name(b, s.period, to_string(format)),
                                       std::string(content_type(format)),
                                       render_bulletin(b, format)});
    const auto summary = listed("md") ? bulletin_summary(b, s.link) : std::string();

    std::vector<OutboxEntry> out;
    for (const auto& [ref, r] : receivers) {
        OutboxEntry e;
        e.receiver = ref;
        e.idempotency_key = receiver_key(s.schedule, s.period, ref);
        e.secret_file = r->secret_file;
        if (!r->email.empty()) {
            if (s.smtp_from.empty()) continue;
            AttachedMail m;
            m.from = s.smtp_from;
            m.to = {r->email};
            m.subject = subject;
            m.text = b.headline + "\n\n";
            if (!attachments.empty()) {
                m.text += "附件：";
                for (std::size_t i = 0; i < attachments.size(); ++i)
                    m.text += (i ? "、" : "") + attachments[i].file_name;
                m.text += "\n";
            }
            if (!s.link.empty()) m.text += "在线查看：" + s.link + "\n";
            m.idempotency_key = e.idempotency_key;
            m.date = s.created_at;
            m.attachments = attachments;
            e.channel = "email";
            e.target = r->email;
            e.payload = render_attached_mail(m);
        } else {
            if (!listed("md")) continue;
            e.channel = r->format.empty() ? "generic" : r->format;
            e.target = r->webhook;
            boost::json::object root;
            if (e.channel == "dingtalk") {
                root["msgtype"] = "markdown";
                root["markdown"] = {{"title", subject}, {"text", summary}};
            } else if (e.channel == "wecom") {
                root["msgtype"] = "markdown";
                root["markdown"] = {{"content", summary}};
            } else if (e.channel == "feishu") {
                boost::json::array rows;
                rows.push_back(
                    boost::json::array{boost::json::object{{"tag", "text"}, {"text", b.headline}}});
                if (!s.link.empty())
                    rows.push_back(boost::json::array{
                        boost::json::object{{"tag", "a"}, {"text", "查看通报"}, {"href", s.link}}});
                root["msg_type"] = "post";
                root["content"] = {
                    {"post", {{"zh_cn", {{"title", subject}, {"content", std::move(rows)}}}}}};
            } else {
                root["version"] = "1";
                root["kind"] = "bulletin";
                root["schedule"] = s.schedule;
                root["period"] = s.period;
                root["plan"] = {{"id", b.plan_id}, {"name", b.plan_name}};
                root["as_of"] = format_instant(b.as_of);
                root["headline"] = b.headline;
                root["title"] = subject;
                root["markdown"] = summary;
                root["link"] = s.link;
            }
            e.payload = json_text(root);
        }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace indicatord
