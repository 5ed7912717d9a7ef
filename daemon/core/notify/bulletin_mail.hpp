#pragma once

// The messages of a scheduled bulletin (docs/bulletins.md, "Schedules"): an email with the
// bulletin's files attached to email receivers, the Markdown summary to robots.

#include <string>
#include <vector>

#include "alerts/alert_store.hpp"
#include "model/clock.hpp"
#include "model/plan.hpp"
#include "report/bulletin.hpp"

namespace indicatord {

/// A file attached to an email.
struct MailAttachment {
    std::string file_name;  ///< UTF-8, may be Chinese
    std::string content_type;
    std::string bytes;
};

/// An email with a text body and attachments.
struct AttachedMail {
    std::string from, subject, text;  ///< UTF-8
    std::vector<std::string> to;
    std::string idempotency_key;  ///< also the Message-ID's left part (hashed if not a dot-atom)
    TimePoint date{};
    std::vector<MailAttachment> attachments;
};

/// The RFC 5322 message: multipart/mixed with the text/plain body first (UTF-8, base64), then
/// each attachment base64 in lines of 76, named by `filename*=UTF-8''...` (RFC 2231, in
/// continuations of at most 60 characters) in Content-Disposition and, for mail readers that
/// know only that, by RFC 2047 encoded-words in Content-Type's `name=`. CRLF line ends; CR and LF
/// in any header value are dropped.
std::string render_attached_mail(const AttachedMail& mail);

/// What a scheduled run sends and to whom.
struct BulletinSending {
    std::string schedule;              ///< schedule_key()
    std::string period;                ///< "2023-07"
    std::vector<std::string> to;       ///< "dcs" (every receiver of the unit) or "dcs/0"
    std::vector<std::string> formats;  ///< xlsx, html, json: attached to emails; md: to robots
    std::string link;                  ///< the console's page of this bulletin
    std::string smtp_from;             ///< empty: no SMTP configured, email receivers are skipped
    TimePoint created_at{};
};

/// "丽水市…(2023年)督查通报-2023-07.xlsx".
std::string scheduled_file_name(const Bulletin& bulletin, std::string_view period,
                                std::string_view extension);

/// The outbox entries of one run: per receiver of `sending.to`, once each, an email (the headline
/// and the link as text, the files of `formats` attached) or, when `md` is among the formats, a
/// robot message with bulletin_summary() (DingTalk and WeCom Markdown, a Feishu post, the generic
/// webhook's JSON). Idempotency keys from schedule, period and receiver.
std::vector<OutboxEntry> bulletin_outbox(const Plan& plan, const Bulletin& bulletin,
                                         const BulletinSending& sending);

}  // namespace indicatord
