#include "notify/notify_format.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <utility>

#include "util/digest.hpp"
#include "util/json_text.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

namespace {

// ---- Templates ---------------------------------------------------------------------------------
//
// Every operator-visible string of every channel, as a format string. A "{name}" placeholder is
// replaced by, in this order of lookup: a value the renderer computes (tag, body, escalation,
// repeat, n, counts, receiver_name, plan_name, link), the alert's annotation `name`, the alert's
// label `name`. A missing or empty annotation/label makes the template fail, and the renderer
// falls back as docs/notifications.md describes. Kept in one table so that an operator-facing
// template file can replace it later.

// The defaults; an operator's templates file (alerting.templates) overrides any of them.
MessageTemplates make_defaults() {
    MessageTemplates t;
    t.kinds = {
        {AlertKind::overdue, "逾期", "{period} 报告已逾期 {overdue_by} 天,应于 {due} 报送",
         "{period} 报告已补报,逾期解除"},
        {AlertKind::missed, "未完成", "{period} 未完成目标:实际 {value},目标 {target}",
         "{period} 实际 {value},已达到目标 {target}"},
        {AlertKind::at_risk, "预警", "{period} 当前 {value},目标 {target}",
         "{period} 当前 {value},已回到目标 {target} 的进度"},
        {AlertKind::reminder, "提醒", "{period} 报告将于 {due} 到期", "{period} 到期提醒解除"},
    };
    t.subject = "[indicatord] {escalation}{receiver_name}:{counts}";
    t.subject_fallback = "[indicatord] {escalation}{counts}";
    t.count = "{n}项{tag}";
    t.count_separator = "、";
    t.no_alerts = "无新提醒";
    t.head = "{escalation}【{tag}】";
    t.line = "任务{task} {indicator_name}({indicator}):{body}。牵头单位:{units}{repeat}";
    t.line_fallback = "{summary}{repeat}";
    t.escalation = "【督查升级】";
    t.repeat = "(重复提醒)";
    t.resolved_tag = "已恢复";
    t.more = "…(另有 {n} 项未列出)";
    t.link_text = "详情";
    t.email_greeting = "{receiver_name}:";
    t.email_intro = "《{plan_name}》共有 {n} 项指标提醒:";
    t.email_intro_fallback = "共有 {n} 项指标提醒:";
    t.email_task = "任务内容:{task_text}";
    t.email_link = "详情:{link}";
    t.email_footer = "本邮件由 indicatord 自动发送。";
    return t;
}

thread_local const MessageTemplates* g_templates = nullptr;

/// The templates in force for the rendering under way on this thread.
const MessageTemplates& T() {
    return g_templates ? *g_templates : default_templates();
}

/// Makes `t` (or the defaults, when null) the templates of this thread's renderers until it goes.
class Scope {
  public:
    explicit Scope(const MessageTemplates* t) : saved_(g_templates) {
        if (t) g_templates = t;
    }
    ~Scope() { g_templates = saved_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

  private:
    const MessageTemplates* saved_;
};

// ---- Template expansion ------------------------------------------------------------------------

using Vars = std::vector<std::pair<std::string_view, std::string>>;

const std::string* find_in(const std::map<std::string, std::string>& m, std::string_view key) {
    auto it = m.find(std::string(key));
    return it == m.end() || it->second.empty() ? nullptr : &it->second;
}

/// Expands `tpl`; nullopt if a placeholder has no value (computed values may be empty) or the
/// template is malformed (an unclosed "{"). Never throws: templates are validated at load
/// (load_templates), and a template that was not must still not take the daemon down.
std::optional<std::string> expand(std::string_view tpl, const Vars& vars,
                                  const AlertItem* alert = nullptr) {
    std::string out;
    std::size_t i = 0;
    while (i < tpl.size()) {
        const auto open = tpl.find('{', i);
        if (open == std::string_view::npos) {
            out.append(tpl.substr(i));
            break;
        }
        const auto close = tpl.find('}', open);
        if (close == std::string_view::npos) return std::nullopt;
        out.append(tpl.substr(i, open - i));
        const auto name = tpl.substr(open + 1, close - open - 1);
        const std::string* value = nullptr;
        for (const auto& [k, v] : vars)
            if (k == name) value = &v;
        if (!value && alert) value = find_in(alert->annotations, name);
        if (!value && alert) value = find_in(alert->labels, name);
        if (!value) return std::nullopt;
        out += *value;
        i = close + 1;
    }
    return out;
}

/// A template that must give text (subject, head, counts, greeting...): the operator's, else
/// the default one, else the operator's text as it stands. Load-time validation makes the
/// first always succeed; the others keep an unvalidated template from crashing the sender.
std::string required(std::string MessageTemplates::*field, const Vars& vars) {
    if (auto text = expand(T().*field, vars)) return *text;
    if (auto text = expand(default_templates().*field, vars)) return *text;
    return T().*field;
}

/// The kinds' texts in display order: the templates' own when they name every kind (as
/// load_templates makes them), else the defaults.
const std::vector<KindTemplate>& kind_texts() {
    const auto& kinds = T().kinds;
    const auto& defaults = default_templates().kinds;
    const bool complete = std::all_of(defaults.begin(), defaults.end(), [&](const KindTemplate& d) {
        return std::any_of(kinds.begin(), kinds.end(),
                           [&](const KindTemplate& k) { return k.kind == d.kind; });
    });
    return complete ? kinds : defaults;
}

const KindTemplate& kind_text(AlertKind kind) {
    const auto& kinds = kind_texts();
    const auto it = std::find_if(kinds.begin(), kinds.end(),
                                 [&](const KindTemplate& k) { return k.kind == kind; });
    return it != kinds.end() ? *it : kinds.front();
}

std::size_t display_rank(const AlertItem& a) {
    const auto& kinds = kind_texts();
    if (!a.firing) return kinds.size();
    const auto it = std::find_if(kinds.begin(), kinds.end(),
                                 [&](const KindTemplate& k) { return k.kind == a.kind; });
    return static_cast<std::size_t>(it - kinds.begin());
}

std::string more_line(std::size_t n) {
    return required(&MessageTemplates::more, {{"n", std::to_string(n)}});
}

// ---- Bytes: UTF-8, Base64, HMAC, percent-encoding, escaping
// --------------------------------------

/// The longest prefix of `s` of at most `max` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

/// Percent-encodes everything but RFC 3986 unreserved characters (like Python's quote(s, safe='')).
std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

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

// ---- One rendered alert
// --------------------------------------------------------------------------

struct Rendered {
    const AlertItem* alert;
    std::string head;  // "【督查升级】【逾期】"
    std::string text;  // the rest of the line
    std::string link;  // may be empty
    std::string line() const { return head + text; }
};

Vars alert_vars(const AlertItem& a) {
    const auto& kt = kind_text(a.kind);
    return {{"tag", std::string(a.firing ? kt.tag : T().resolved_tag)},
            {"escalation", a.escalation ? std::string(T().escalation) : std::string()},
            {"repeat", a.repeat && a.firing ? std::string(T().repeat) : std::string()}};
}

std::pair<std::string, std::string> render_line(const AlertItem& a) {
    auto vars = alert_vars(a);
    const auto& kt = kind_text(a.kind);
    std::string head = required(&MessageTemplates::head, vars);
    auto body = expand(a.firing ? kt.firing_body : kt.resolved_body, vars, &a);
    if (!body) {
        if (const auto* s = find_in(a.annotations, "summary")) body = *s;
    }
    if (body) {
        vars.emplace_back("body", *body);
        if (auto text = expand(T().line, vars, &a)) return {head, *text};
    }
    if (auto text = expand(T().line_fallback, vars, &a)) return {head, *text};
    const auto* id = find_in(a.labels, "indicator");
    return {head,
            (id ? *id : a.fingerprint) + (a.repeat && a.firing ? std::string(T().repeat) : "")};
}

std::vector<Rendered> render_items(const Digest& d) {
    std::vector<Rendered> out;
    out.reserve(d.alerts.size());
    for (const auto& a : d.alerts) {
        auto [head, text] = render_line(a);
        out.push_back({&a, std::move(head), std::move(text), indicator_link(d, a)});
    }
    std::stable_sort(out.begin(), out.end(), [](const Rendered& x, const Rendered& y) {
        return display_rank(*x.alert) < display_rank(*y.alert);
    });
    return out;
}

/// How many blocks, in order, fit into `limit` bytes after `used`, keeping room for the
/// "…(另有 N 项未列出)" line whenever some are left out.
std::size_t count_fitting(const std::vector<std::size_t>& sizes, std::size_t used,
                          std::size_t limit) {
    const std::size_t n = sizes.size();
    std::size_t k = 0;
    while (k < n) {
        const std::size_t tail = k + 1 < n ? more_line(n - k - 1).size() : 0;
        if (used + sizes[k] + tail > limit) break;
        used += sizes[k];
        ++k;
    }
    return k;
}

/// header + blocks + (more line), at most `limit` bytes. When not even the first block fits,
/// it is cut at a UTF-8 boundary and ends in "…". `more_prefix`/`more_suffix` wrap the more line.
std::string fit_blocks(std::string header, const std::vector<std::string>& blocks,
                       std::size_t limit, std::string_view more_prefix = {},
                       std::string_view more_suffix = {}) {
    const auto more = [&](std::size_t n) {
        return std::string(more_prefix) + more_line(n) + std::string(more_suffix);
    };
    const std::size_t wrap = more_prefix.size() + more_suffix.size();
    std::vector<std::size_t> sizes;
    for (const auto& b : blocks) sizes.push_back(b.size());
    header = std::string(utf8_prefix(header, limit / 2));
    const std::size_t budget = limit > wrap ? limit - wrap : 0;
    std::size_t k = count_fitting(sizes, header.size(), budget);
    std::string out = header;
    for (std::size_t i = 0; i < k; ++i) out += blocks[i];
    if (k == 0 && !blocks.empty()) {
        const std::size_t tail = blocks.size() > 1 ? more(blocks.size() - 1).size() : 0;
        const std::string_view ellipsis = "…\n";
        const std::size_t used = out.size() + tail + ellipsis.size();
        out += utf8_prefix(blocks[0], used < limit ? limit - used : 0);
        out += ellipsis;
        k = 1;
    }
    if (k < blocks.size()) out += more(blocks.size() - k);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// ---- Email helpers
// ---------------------------------------------------------------------------------

constexpr std::size_t kLineLimit = 76;

/// RFC 2047 encoded-words of `text`, each holding whole UTF-8 characters and at most `max_bytes`.
std::vector<std::string> encoded_words(std::string_view text, std::size_t first_bytes,
                                       std::size_t max_bytes) {
    std::vector<std::string> words;
    std::size_t budget = first_bytes;
    while (!text.empty()) {
        auto chunk = utf8_prefix(text, budget);
        if (chunk.empty())
            chunk = text.substr(0, 1);  // a malformed sequence longer than the budget
        words.push_back("=?UTF-8?B?" + base64(chunk) + "?=");
        text.remove_prefix(chunk.size());
        budget = max_bytes;
    }
    return words;
}

/// "Name: token token ..." folded before a token whenever a line would pass 76 characters
/// (also right after the colon when the first token is long). A single token longer than a line
/// stays whole.
std::string fold_header(std::string_view name, const std::vector<std::string>& tokens) {
    std::string out(name);
    out += ':';
    std::size_t line = out.size();
    for (const auto& t : tokens) {
        if (line + 1 + t.size() > kLineLimit && line > 0) {
            out += "\r\n";
            line = 0;
        }
        out += ' ';
        out += t;
        line += 1 + t.size();
    }
    out += "\r\n";
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

bool is_dot_atom(std::string_view s) {
    static constexpr std::string_view special = "!#$%&'*+-/=?^_`{|}~";
    if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != s.npos) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x80 && (std::isalnum(u) || c == '.' || special.find(c) != special.npos);
    });
}

std::string rfc5322_date(TimePoint t) {
    using namespace std::chrono;
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss hms{secs - day};
    const weekday wd{day};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld +0000",
                  kDays[wd.c_encoding()], static_cast<unsigned>(ymd.day()),
                  kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

/// `text` with CRLF line ends, base64 in lines of 76, each ending in CRLF.
std::string base64_body(std::string_view text) {
    std::string canonical;
    for (auto line : split_lines(text)) {
        canonical.append(line);
        canonical += "\r\n";
    }
    const auto encoded = base64(canonical);
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); i += kLineLimit) {
        out.append(encoded, i, kLineLimit);
        out += "\r\n";
    }
    return out;
}

std::string receiver_display(const Digest& d) {
    return d.receiver_name.empty() ? d.receiver : d.receiver_name;
}

Vars digest_vars(const Digest& d) {
    return {{"receiver_name", receiver_display(d)},
            {"plan_name", d.plan_name},
            {"n", std::to_string(d.alerts.size())}};
}

boost::json::object string_map(const std::map<std::string, std::string>& m) {
    boost::json::object o;
    for (const auto& [k, v] : m) o[k] = v;
    return o;
}

/// Entries equal in every map (Alertmanager's commonLabels / commonAnnotations).
std::map<std::string, std::string> common(
    const std::vector<const std::map<std::string, std::string>*>& maps) {
    if (maps.empty()) return {};
    auto out = *maps.front();
    for (auto it = out.begin(); it != out.end();) {
        const bool shared = std::all_of(maps.begin() + 1, maps.end(), [&](const auto* m) {
            auto f = m->find(it->first);
            return f != m->end() && f->second == it->second;
        });
        it = shared ? std::next(it) : out.erase(it);
    }
    return out;
}

}  // namespace

// ---- Shared text
// -----------------------------------------------------------------------------------

std::string digest_subject(const Digest& d) {
    Scope scope(d.templates.get());
    std::string counts;
    const auto add = [&](std::size_t n, std::string_view tag) {
        if (n == 0) return;
        if (!counts.empty()) counts += T().count_separator;
        counts += required(&MessageTemplates::count,
                           {{"n", std::to_string(n)}, {"tag", std::string(tag)}});
    };
    for (const auto& k : kind_texts())
        add(static_cast<std::size_t>(
                std::count_if(d.alerts.begin(), d.alerts.end(),
                              [&](const AlertItem& a) { return a.firing && a.kind == k.kind; })),
            k.tag);
    add(static_cast<std::size_t>(std::count_if(d.alerts.begin(), d.alerts.end(),
                                               [](const AlertItem& a) { return !a.firing; })),
        T().resolved_tag);
    if (counts.empty()) counts = T().no_alerts;
    const bool escalated = std::any_of(d.alerts.begin(), d.alerts.end(),
                                       [](const AlertItem& a) { return a.escalation; });
    auto vars = digest_vars(d);
    vars.emplace_back("counts", counts);
    vars.emplace_back("escalation", escalated ? std::string(T().escalation) : std::string());
    if (d.receiver_name.empty() && d.receiver.empty())
        return required(&MessageTemplates::subject_fallback, vars);
    return required(&MessageTemplates::subject, vars);
}

std::string alert_line(const AlertItem& a, const MessageTemplates* templates) {
    Scope scope(templates);
    auto [head, text] = render_line(a);
    return head + text;
}

std::string indicator_link(const Digest& d, const AlertItem& a) {
    const auto* indicator = find_in(a.labels, "indicator");
    if (d.external_url.empty() || !indicator) return {};
    std::string_view base = d.external_url;
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    return std::string(base) + "/api/v1/indicators/" + percent_encode(*indicator);
}

// ---- Email
// -----------------------------------------------------------------------------------------

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
        if (auto task = expand(T().email_task, {}, it.alert)) m.text += "   " + *task + "\n";
        if (!it.link.empty())
            m.text += "   " + required(&MessageTemplates::email_link, {{"link", it.link}}) + "\n";
        m.text += "\n";
    }
    m.text += footer + "\n";

    // text/html
    m.html = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"UTF-8\"><title>" +
             html_escape(m.subject) + "</title></head>\n<body>\n<p>" + html_escape(greeting) +
             "</p>\n<p>" + html_escape(intro) + "</p>\n<ol>\n";
    for (const auto& it : items) {
        const char* color = it.alert->firing ? "#c0392b" : "#27ae60";
        m.html += "<li><strong style=\"color:" + std::string(color) + "\">" + html_escape(it.head) +
                  "</strong>" + html_escape(it.text);
        if (const auto* desc = find_in(it.alert->annotations, "description"))
            for (auto line : split_lines(*desc)) m.html += "<br>\n" + html_escape(line);
        if (auto task = expand(T().email_task, {}, it.alert))
            m.html += "<br>\n" + html_escape(*task);
        if (!it.link.empty())
            m.html += "<br>\n<a href=\"" + html_escape(it.link) + "\">" +
                      html_escape(T().link_text) + "</a>";
        m.html += "</li>\n";
    }
    m.html +=
        "</ol>\n<p style=\"color:#888888\">" + html_escape(footer) + "</p>\n</body>\n</html>\n";

    // RFC 5322 message
    const std::string key = without_crlf(d.idempotency_key);
    // Kept readable when it can be: a dot-atom of at most 60 characters keeps the line under 76.
    const std::string message_id =
        "<" + (is_dot_atom(key) && key.size() <= 60 ? key : sha256_hex(key).substr(0, 32)) +
        "@indicatord>";
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

    std::string& mime = m.mime;
    mime += fold_header("From", address_tokens(from));
    mime += fold_header("To", to_tokens);
    mime += fold_header("Subject", encoded_words(m.subject, 39, 45));
    mime += fold_header("Date", {rfc5322_date(d.created_at)});
    mime += fold_header("Message-ID", {message_id});
    mime += fold_header(kIdempotencyHeader, {key});
    mime += "MIME-Version: 1.0\r\n";
    mime += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
    mime += "\r\n";
    const auto part = [&](std::string_view type, std::string_view body) {
        mime += "--" + boundary + "\r\n";
        mime += "Content-Type: " + std::string(type) + "; charset=UTF-8\r\n";
        mime += "Content-Transfer-Encoding: base64\r\n\r\n";
        mime += base64_body(body);
    };
    part("text/plain", m.text);
    part("text/html", m.html);
    mime += "--" + boundary + "--\r\n";
    return m;
}

// ---- Generic webhook (Alertmanager v4)
// ---------------------------------------------------------------

std::string render_webhook(const Digest& d) {
    Scope scope(d.templates.get());
    namespace json = boost::json;
    const bool firing =
        std::any_of(d.alerts.begin(), d.alerts.end(), [](const AlertItem& a) { return a.firing; });
    std::vector<const std::map<std::string, std::string>*> labels, annotations;
    json::array alerts;
    for (const auto& a : d.alerts) {
        labels.push_back(&a.labels);
        annotations.push_back(&a.annotations);
        json::object o;
        o["status"] = a.firing ? "firing" : "resolved";
        o["labels"] = string_map(a.labels);
        o["annotations"] = string_map(a.annotations);
        o["startsAt"] = format_instant(a.starts_at);
        o["endsAt"] = !a.firing && a.ends_at ? format_instant(*a.ends_at) : "0001-01-01T00:00:00Z";
        o["generatorURL"] = indicator_link(d, a);
        o["fingerprint"] = a.fingerprint;
        alerts.push_back(std::move(o));
    }
    const std::map<std::string, std::string> group{{"plan", d.plan_id}, {"receiver", d.receiver}};
    std::string group_key = "{}:{";
    for (const auto& [k, v] : group) {
        if (group_key.size() > 4) group_key += ", ";
        group_key += k + "=" + json::serialize(json::string_view(v));
    }
    group_key += "}";

    json::object root;
    root["version"] = "4";
    root["groupKey"] = group_key;
    root["truncatedAlerts"] = 0;
    root["status"] = firing ? "firing" : "resolved";
    root["receiver"] = d.receiver;
    root["groupLabels"] = string_map(group);
    root["commonLabels"] = string_map(common(labels));
    root["commonAnnotations"] = string_map(common(annotations));
    root["externalURL"] = d.external_url;
    root["alerts"] = std::move(alerts);
    return json_text(root);
}

// ---- DingTalk
// ------------------------------------------------------------------------------------------

std::string render_dingtalk(const Digest& d) {
    Scope scope(d.templates.get());
    const auto subject = digest_subject(d);
    std::vector<std::string> blocks;
    for (const auto& it : render_items(d)) {
        std::string b = it.line();
        if (!it.link.empty()) b += " [" + std::string(T().link_text) + "](" + it.link + ")";
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

// ---- WeCom
// ---------------------------------------------------------------------------------------------

std::string render_wecom(const Digest& d) {
    Scope scope(d.templates.get());
    std::vector<std::string> blocks;
    for (const auto& it : render_items(d)) {
        std::string b = "<font color=\"" + std::string(it.alert->firing ? "warning" : "info") +
                        "\">" + it.head + "</font>" + it.text;
        if (!it.link.empty()) b += " [" + std::string(T().link_text) + "](" + it.link + ")";
        blocks.push_back(b + "\n");
    }
    boost::json::object root;
    root["msgtype"] = "markdown";
    root["markdown"] = {
        {"content", fit_blocks("**" + digest_subject(d) + "**\n", blocks, kWecomContentLimit,
                               "<font color=\"comment\">", "</font>")}};
    return json_text(root);
}

// ---- Feishu
// --------------------------------------------------------------------------------------------

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
            row.push_back(
                json::object{{"tag", "a"}, {"text", T().link_text}, {"href", items[i].link}});
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

const MessageTemplates& default_templates() {
    static const MessageTemplates t = make_defaults();
    return t;
}

namespace {

// ---- Validation at load ------------------------------------------------------------------------
//
// Each template may use only the placeholders its renderer provides (docs/notifications.md lists
// them): the values computed for it and, for the templates rendered per alert, the annotations
// and labels an alert carries. Anything else is refused at load with file:line:col, so
// `indicatorctl check` and a SIGHUP reload reject it instead of the sender meeting it.

constexpr std::string_view kAnnotations[] = {
    "description", "due",    "indicator_name", "overdue_by", "period", "status",
    "summary",     "target", "task_text",      "units",      "value"};
constexpr std::string_view kLabels[] = {"alertname", "indicator", "kind", "lead_unit",
                                        "plan",      "severity",  "task"};

/// What one template may read: its computed values and, when rendered per alert, the alert's
/// annotations and labels.
struct Allowed {
    std::vector<std::string_view> computed;
    bool alert = false;
};

const Allowed kDigestText{{"escalation", "receiver_name", "plan_name", "n", "counts"}};
const Allowed kLetterText{{"receiver_name", "plan_name", "n"}};
const Allowed kLiteral{};  // used as it stands: no placeholders
const Allowed kCount{{"n", "tag"}};
const Allowed kHead{{"escalation", "repeat", "tag"}};
const Allowed kLine{{"body", "escalation", "repeat", "tag"}, true};
const Allowed kKindBody{{"escalation", "repeat", "tag"}, true};  // also line_fallback
const Allowed kMore{{"n"}};
const Allowed kAlertOnly{{}, true};
const Allowed kLink{{"link"}};

/// The template fields of `templates:`, each with what it may read.
struct Field {
    const char* key;
    std::string MessageTemplates::*member;
    const Allowed* allowed;
};

const Field kFields[] = {
    {"subject", &MessageTemplates::subject, &kDigestText},
    {"subject_fallback", &MessageTemplates::subject_fallback, &kDigestText},
    {"count", &MessageTemplates::count, &kCount},
    {"count_separator", &MessageTemplates::count_separator, &kLiteral},
    {"no_alerts", &MessageTemplates::no_alerts, &kLiteral},
    {"head", &MessageTemplates::head, &kHead},
    {"line", &MessageTemplates::line, &kLine},
    {"line_fallback", &MessageTemplates::line_fallback, &kKindBody},
    {"escalation", &MessageTemplates::escalation, &kLiteral},
    {"repeat", &MessageTemplates::repeat, &kLiteral},
    {"resolved_tag", &MessageTemplates::resolved_tag, &kLiteral},
    {"more", &MessageTemplates::more, &kMore},
    {"link_text", &MessageTemplates::link_text, &kLiteral},
    {"email_greeting", &MessageTemplates::email_greeting, &kLetterText},
    {"email_intro", &MessageTemplates::email_intro, &kLetterText},
    {"email_intro_fallback", &MessageTemplates::email_intro_fallback, &kLetterText},
    {"email_task", &MessageTemplates::email_task, &kAlertOnly},
    {"email_link", &MessageTemplates::email_link, &kLink},
    {"email_footer", &MessageTemplates::email_footer, &kLetterText},
};

/// "{a}, {b}, ..." sorted.
std::string allowed_list(const Allowed& allowed) {
    std::vector<std::string_view> names = allowed.computed;
    if (allowed.alert) {
        names.insert(names.end(), std::begin(kAnnotations), std::end(kAnnotations));
        names.insert(names.end(), std::begin(kLabels), std::end(kLabels));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string out;
    for (auto n : names) out += (out.empty() ? "{" : ", {") + std::string(n) + "}";
    return out;
}

bool is_allowed(const Allowed& allowed, std::string_view name) {
    const auto in = [&](const auto& list) {
        return std::find(std::begin(list), std::end(list), name) != std::end(list);
    };
    return in(allowed.computed) || (allowed.alert && (in(kAnnotations) || in(kLabels)));
}

/// Refuses a malformed template or a placeholder that `allowed` does not provide.
void check_template(const std::filesystem::path& file, const YAML::Node& n, std::string_view what,
                    const std::string& text, const Allowed& allowed) {
    const std::string name_of = "template '" + std::string(what) + "'";
    if (valid_utf8(text) != text)  // a robot refuses the JSON, a mail client shows mojibake
        yaml::fail(file, n, name_of + " is not valid UTF-8");
    if (text.size() > kTemplateBytes)
        yaml::fail(file, n,
                   name_of + " is " + std::to_string(text.size()) + " bytes long, more than " +
                       std::to_string(kTemplateBytes));
    std::size_t i = 0;
    while ((i = text.find_first_of("{}", i)) != std::string::npos) {
        if (text[i] == '}') yaml::fail(file, n, name_of + " has a '}' without '{': " + text);
        const auto close = text.find_first_of("{}", i + 1);
        if (close == std::string::npos || text[close] == '{')
            yaml::fail(file, n, name_of + " has an unclosed placeholder: " + text);
        const auto name = "{" + text.substr(i + 1, close - i - 1) + "}";
        if (allowed.computed.empty() && !allowed.alert)
            yaml::fail(file, n, name_of + " takes no placeholders, found " + name);
        if (!is_allowed(allowed, name.substr(1, name.size() - 2)))
            yaml::fail(file, n,
                       name_of + " has an unknown placeholder " + name +
                           "; valid here: " + allowed_list(allowed));
        i = close + 1;
    }
}

}  // namespace

MessageTemplates load_templates(const std::filesystem::path& file) {
    MessageTemplates t = default_templates();
    auto root = yaml::load_file(file);
    yaml::check_map(file, root, "templates file", {"templates"});
    auto n = yaml::required(file, root, "templates", "templates file");
    yaml::check_map(file, n, "templates", {"subject",      "subject_fallback",
                                           "count",        "count_separator",
                                           "no_alerts",    "head",
                                           "line",         "line_fallback",
                                           "escalation",   "repeat",
                                           "resolved_tag", "more",
                                           "link_text",    "email_greeting",
                                           "email_intro",  "email_intro_fallback",
                                           "email_task",   "email_link",
                                           "email_footer", "kinds"});
    for (const auto& field : kFields)
        if (auto v = n[field.key]) {
            t.*field.member = yaml::scalar(file, v, field.key);
            check_template(file, v, field.key, t.*field.member, *field.allowed);
        }
    if (auto kinds = n["kinds"]) {
        yaml::check_map(file, kinds, "kinds", {"overdue", "missed", "at_risk", "reminder"});
        for (auto& k : t.kinds) {
            const std::string kind(to_string(k.kind));
            auto kn = kinds[kind];
            if (!kn) continue;
            yaml::check_map(file, kn, "kind template", {"tag", "firing", "resolved"});
            if (auto v = kn["tag"]) {
                k.tag = yaml::scalar(file, v, "tag");
                check_template(file, v, "kinds." + kind + ".tag", k.tag, kLiteral);
            }
            if (auto v = kn["firing"]) {
                k.firing_body = yaml::scalar(file, v, "firing");
                check_template(file, v, "kinds." + kind + ".firing", k.firing_body, kKindBody);
            }
            if (auto v = kn["resolved"]) {
                k.resolved_body = yaml::scalar(file, v, "resolved");
                check_template(file, v, "kinds." + kind + ".resolved", k.resolved_body, kKindBody);
            }
        }
    }
    return t;
}

}  // namespace indicatord
