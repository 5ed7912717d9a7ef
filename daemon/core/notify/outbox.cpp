#include "notify/outbox.hpp"

#include "notify/email.hpp"
#include "notify/webhook_dingtalk.hpp"
#include "notify/webhook_feishu.hpp"
#include "notify/webhook_generic.hpp"
#include "notify/webhook_wecom.hpp"
#include "util/digest.hpp"

namespace indicatord {

std::vector<OutboxEntry> to_outbox(const Plan& plan, const std::vector<ReceiverRef>& receivers,
                                   const std::vector<Digest>& digests,
                                   const std::string& smtp_from) {
    std::vector<OutboxEntry> out;
    for (std::size_t i = 0; i < digests.size() && i < receivers.size(); ++i) {
        const Unit* unit = plan.find_unit(receivers[i].unit);
        if (!unit || receivers[i].index >= unit->receivers.size()) continue;
        const Receiver& r = unit->receivers[receivers[i].index];
        const Digest& d = digests[i];
        OutboxEntry e;
        e.receiver = d.receiver;
        e.idempotency_key = d.idempotency_key;
        e.secret_file = r.secret_file;
        for (const auto& a : d.alerts) {
            const auto key = a.labels.find("indicator");
            if (key != a.labels.end()) e.about.emplace_back(key->second, to_string(a.kind));
        }
        if (!r.email.empty() && smtp_from.empty()) continue;
        if (!r.email.empty()) {
            e.channel = "email";
            e.target = r.email;
            e.payload = render_email(d, smtp_from, {r.email}).mime;
        } else {
            e.channel = r.format.empty() ? "generic" : r.format;
            e.target = r.webhook;
            if (e.channel == "dingtalk")
                e.payload = render_dingtalk(d, {r.at_mobiles, r.at_user_ids, r.at_all});
            else if (e.channel == "wecom")
                e.payload = render_wecom(d);
            else if (e.channel == "feishu")
                e.payload = render_feishu(d, "", 0);
            else
                e.payload = render_webhook(d, r.max_alerts);
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::string feishu_sign(const std::string& secret, std::int64_t timestamp_s) {
    return base64(hmac_sha256(std::to_string(timestamp_s) + "\n" + secret, ""));
}

}  // namespace indicatord
