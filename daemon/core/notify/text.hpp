#pragma once

// The text every channel shows of a digest (its subject, one line per alert, the link of an
// indicator), and the building blocks the channel formats (email.cpp, webhook_*.cpp) share:
// template expansion and the cutting of a message to a byte limit.
//
// Pure: no I/O, no clock, no randomness. The same Digest always renders to the same bytes, so
// a retried delivery is byte-identical. Message templates and the annotations each one reads are
// listed in docs/notifications.md.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/notification.hpp"
#include "notify/templates.hpp"

namespace indicatord {

/// Header that carries Digest::idempotency_key on every webhook POST and every email.
inline constexpr std::string_view kIdempotencyHeader = "X-Indicatord-Idempotency-Key";

/// "[indicatord] 市发改委:2项逾期、1项预警、1项已恢复" (counts by kind; resolved counted apart).
/// Email subject, DingTalk title, Feishu title.
std::string digest_subject(const Digest& d);

/// One alert as one line of text, e.g. "【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期
/// 6 天,应于 2023-10-20 报送。牵头单位:市发改委". Falls back to annotations.summary when an
/// annotation the template needs is missing.
std::string alert_line(const AlertItem& a, const MessageTemplates* templates = nullptr);

/// external_url + "/indicators/" + labels.indicator (the web console's indicator page,
/// docs/web.md); empty without an external_url or an indicator label.
std::string indicator_link(const Digest& d, const AlertItem& a);
/// The same, against a base URL (empty: no link).
std::string indicator_link(std::string_view external_url, const AlertItem& a);

namespace text {

// For the channel formats of notify/ only.

/// Computed values of a template: placeholder name -> value.
using Vars = std::vector<std::pair<std::string_view, std::string>>;

/// The templates in force for the rendering under way on this thread.
const MessageTemplates& templates();

/// Makes `t` (or the defaults, when null) the templates of this thread's renderers until it goes.
class Scope {
  public:
    explicit Scope(const MessageTemplates* t);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

  private:
    const MessageTemplates* saved_;
};

/// The value of `key` in `m`; null when it is missing or empty.
const std::string* find_in(const std::map<std::string, std::string>& m, std::string_view key);

/// Expands `tpl`; nullopt if a placeholder has no value (computed values may be empty) or the
/// template is malformed (an unclosed "{"). Never throws: templates are validated at load
/// (load_templates), and a template that was not must still not take the daemon down.
std::optional<std::string> expand(std::string_view tpl, const Vars& vars,
                                  const AlertItem* alert = nullptr);

/// A template that must give text (subject, head, counts, greeting...): the operator's, else
/// the default one, else the operator's text as it stands.
std::string required(std::string MessageTemplates::*field, const Vars& vars);

/// "…(另有 N 项未列出)".
std::string more_line(std::size_t n);

/// The values every digest-wide template may read: receiver_name, plan_name, n.
Vars digest_vars(const Digest& d);

/// One alert of a digest, rendered.
struct Rendered {
    const AlertItem* alert;
    std::string head;  ///< "【督查升级】【逾期】"
    std::string text;  ///< the rest of the line
    std::string link;  ///< may be empty
    std::string line() const { return head + text; }
};

/// The digest's alerts in display order (firing by kind, then resolved).
std::vector<Rendered> render_items(const Digest& d);

/// How many blocks, in order, fit into `limit` bytes after `used`, keeping room for the
/// "…(另有 N 项未列出)" line whenever some are left out.
std::size_t count_fitting(const std::vector<std::size_t>& sizes, std::size_t used,
                          std::size_t limit);

/// header + blocks + (more line), at most `limit` bytes. When not even the first block fits,
/// it is cut at a UTF-8 boundary and ends in "…". `more_prefix`/`more_suffix` wrap the more line.
std::string fit_blocks(std::string header, const std::vector<std::string>& blocks,
                       std::size_t limit, std::string_view more_prefix = {},
                       std::string_view more_suffix = {});

}  // namespace text

}  // namespace indicatord
