#include "notify/bulletin_mail.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "notify/mime.hpp"
#include "notify/text.hpp"
#include "report/bulletin_formats.hpp"
#include "util/digest.hpp"
#include "util/json_text.hpp"

namespace indicatord {

using namespace mime;

namespace {

std::string receiver_key(const std::string& schedule, const std::string& period,
                         const std::string& receiver) {
    return sha256_hex("bulletin\n" + schedule + "\n" + period + "\n" + receiver).substr(0, 32);
}

}  // namespace

std::string render_attached_mail(const AttachedMail& m) {
    const auto key = without_crlf(m.idempotency_key);
    const std::string message_id =
        "<" + (is_dot_atom(key) && key.size() <= 60 ? key : sha256_hex(key).substr(0, 32)) +
        "@indicatord>";
    const std::string boundary = "=_indicatord_" + sha256_hex("mixed\n" + key).substr(0, 32);
    std::string to;
    for (const auto& t : m.to) to += (to.empty() ? "" : ", ") + without_crlf(t);
    std::string message;
    message += text_header("From", m.from);
    message += text_header("To", to.empty() ? "undisclosed-recipients:;" : to);
    message += text_header("Subject", m.subject);
    message += "Date: " + rfc5322_date(m.date) + "\r\n";
    message += "Message-ID: " + message_id + "\r\n";
    message.append(kIdempotencyHeader).append(": ").append(key).append("\r\n");
    message += "MIME-Version: 1.0\r\n";
    message += "Content-Type: multipart/mixed;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
    message += "--" + boundary + "\r\n";
    message += "Content-Type: text/plain; charset=UTF-8\r\n";
    message += "Content-Transfer-Encoding: base64\r\n\r\n";
    message += base64_lines(crlf_text(m.text));
    for (const auto& a : m.attachments) {
        std::string name_words;
        for (const auto& w : encoded_words(without_crlf(a.file_name), 45, 45))
            name_words += (name_words.empty() ? "" : "\r\n ") + w;
        message += "--" + boundary + "\r\n";
        message += "Content-Type: " + without_crlf(a.content_type) + ";\r\n name=\"" + name_words +
                   "\"\r\n";
        message += "Content-Disposition: attachment;\r\n " +
                   rfc2231_parameter("filename", a.file_name) + "\r\n";
        message += "Content-Transfer-Encoding: base64\r\n\r\n";
        message += base64_lines(a.bytes);
    }
    message += "--" + boundary + "--\r\n";
    return message;
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
