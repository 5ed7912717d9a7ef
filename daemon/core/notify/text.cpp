#include "notify/text.hpp"

#include <algorithm>

#include "util/percent_encoding.hpp"
#include "util/utf8.hpp"

namespace indicatord::text {

namespace {

// A "{name}" placeholder is replaced by, in this order of lookup: a value the renderer computes
// (tag, body, escalation, repeat, n, counts, receiver_name, plan_name, link), the alert's
// annotation `name`, the alert's label `name`. A missing or empty annotation/label makes the
// template fail, and the renderer falls back as docs/notifications.md describes.

thread_local const MessageTemplates* g_templates = nullptr;

/// The kinds' texts in display order: the templates' own when they name every kind (as
/// load_templates makes them), else the defaults.
const std::vector<KindTemplate>& kind_texts() {
    const auto& kinds = templates().kinds;
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

Vars alert_vars(const AlertItem& a) {
    const auto& kt = kind_text(a.kind);
    return {{"tag", std::string(a.firing ? kt.tag : templates().resolved_tag)},
            {"escalation", a.escalation ? std::string(templates().escalation) : std::string()},
            {"repeat", a.repeat && a.firing ? std::string(templates().repeat) : std::string()}};
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
        if (auto text = expand(templates().line, vars, &a)) return {head, *text};
    }
    if (auto text = expand(templates().line_fallback, vars, &a)) return {head, *text};
    const auto* id = find_in(a.labels, "indicator");
    return {head, (id ? *id : a.fingerprint) +
                      (a.repeat && a.firing ? std::string(templates().repeat) : "")};
}

}  // namespace

const MessageTemplates& templates() {
    return g_templates ? *g_templates : default_templates();
}

Scope::Scope(const MessageTemplates* t) : saved_(g_templates) {
    if (t) g_templates = t;
}

Scope::~Scope() {
    g_templates = saved_;
}

const std::string* find_in(const std::map<std::string, std::string>& m, std::string_view key) {
    auto it = m.find(std::string(key));
    return it == m.end() || it->second.empty() ? nullptr : &it->second;
}

/// Expands `tpl`; nullopt if a placeholder has no value (computed values may be empty) or the
/// template is malformed (an unclosed "{"). Never throws: templates are validated at load
/// (load_templates), and a template that was not must still not take the daemon down.
std::optional<std::string> expand(std::string_view tpl, const Vars& vars, const AlertItem* alert) {
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
    if (auto text = expand(templates().*field, vars)) return *text;
    if (auto text = expand(default_templates().*field, vars)) return *text;
    return templates().*field;
}

std::string more_line(std::size_t n) {
    return required(&MessageTemplates::more, {{"n", std::to_string(n)}});
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
                       std::size_t limit, std::string_view more_prefix,
                       std::string_view more_suffix) {
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

std::string receiver_display(const Digest& d) {
    return d.receiver_name.empty() ? d.receiver : d.receiver_name;
}

Vars digest_vars(const Digest& d) {
    return {{"receiver_name", receiver_display(d)},
            {"plan_name", d.plan_name},
            {"n", std::to_string(d.alerts.size())}};
}

}  // namespace indicatord::text

namespace indicatord {

using namespace text;

std::string digest_subject(const Digest& d) {
    Scope scope(d.templates.get());
    std::string counts;
    const auto add = [&](std::size_t n, std::string_view tag) {
        if (n == 0) return;
        if (!counts.empty()) counts += templates().count_separator;
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
        templates().resolved_tag);
    if (counts.empty()) counts = templates().no_alerts;
    const bool escalated = std::any_of(d.alerts.begin(), d.alerts.end(),
                                       [](const AlertItem& a) { return a.escalation; });
    auto vars = digest_vars(d);
    vars.emplace_back("counts", counts);
    vars.emplace_back("escalation",
                      escalated ? std::string(templates().escalation) : std::string());
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
    return indicator_link(d.external_url, a);
}

std::string indicator_link(std::string_view external_url, const AlertItem& a) {
    const auto* indicator = find_in(a.labels, "indicator");
    if (external_url.empty() || !indicator) return {};
    std::string_view base = external_url;
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    return std::string(base) + "/indicators/" + percent_encode(*indicator);
}

}  // namespace indicatord
