// 填报, the report form of a signed-in unit: the periods it owes, each with a value and a note,
// and a form for any indicator and period. A submission goes through POST /api/v1/values'
// handler (post_values: the same validation, the same may_write check, the same commit), so
// its errors are the API's words and the confirmation shows only once the value is on disk.
// Also: acknowledging an alert with a comment (the API's acknowledge).
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "http/web_view.hpp"
#include "store/review_store.hpp"
#include "util/json_text.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    std::size_t k = 0;
    while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
    return s.substr(k);
}

// The evidence field (佐证材料): the kinds the API accepts (judged there by their bytes), the
// limits for console.js to check before sending (the server checks them again).
constexpr std::string_view kEvidenceAccept =
    ".pdf,.png,.jpg,.jpeg,.xlsx,.docx,application/pdf,image/png,image/jpeg,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

std::string mib_text(std::size_t bytes) {
    if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
    if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
    return std::to_string(bytes) + " 字节";
}

// A reviewer's returned comment (退回意见) for the period a form reports.
void put_returned(std::string& out, const Engine& e, const ReviewStep& st) {
    out += "<div class=\"notice error returned-comment\"><b>已退回,请修改后重新报送。</b>退回意见:";
    out += "<pre class=\"note\">";
    put_escaped(out, st.comment);
    out += "</pre><span class=\"muted\">";
    put_escaped(out, st.actor);
    out += ",";
    put_escaped(out, local_time_text(e, st.at));
    out += "</span></div>";
}

void put_hidden(std::string& out, std::string_view name, std::string_view value) {
    out += "<input type=\"hidden\" name=\"";
    out += name;
    out += "\" value=\"";
    put_escaped(out, value);
    out += "\">";
}

}  // namespace

HttpResponse Service::web_report_form(const WebVisitor& v, const Query& query, unsigned status,
                                      std::string_view notice_html) const {
    const Engine& e = web_plan();
    const Plan& plan = e.plan();
    const Principal& who = *v.who();
    const auto now = d_.clock.now();
    const std::string unit = who.admin ? param(query, "unit") : who.unit;
    const std::string& csrf = v.session->csrf;

    // the evidence limits, for console.js to check before sending (the API checks them again)
    const std::string limits = "data-max-file-bytes=\"" +
                               std::to_string(d_.evidence.max_file_bytes) + "\" data-max-files=\"" +
                               std::to_string(d_.evidence.max_files) + "\" data-max-body=\"" +
                               std::to_string(d_.body_limit) + "\"";
    std::string out(notice_html);
    if (!unit.empty()) {
        out += "<h2>应报期别(";
        put_escaped(out, unit_name(plan, unit));
        out += ")</h2>";
        std::size_t rows = 0;
        for (const auto& o : owed_by(e, unit, now)) {
            if (!o.ended) continue;
            const auto& ind = plan.indicators[o.indicator];
            const bool progress = kind_name(ind.rule) == "report";
            if (rows++ == 0) out += "<div id=\"owed-forms\">";
            const bool reviewed = ind.review.required();
            out += "<form method=\"post\" action=\"/report\" class=\"report-row owed-form";
            out += reviewed ? " with-files\" enctype=\"multipart/form-data\" " + limits : "\"";
            out += " data-key=\"";
            put_escaped(out, ind.key);
            out += "\" data-period=\"" + escaped(o.period.label()) + "\">";
            put_hidden(out, "csrf", csrf);
            put_hidden(out, "indicator", ind.key);
            put_hidden(out, "period", o.period.label());
            out += "<span><a href=\"/indicators/" + percent_encode(ind.key) + "\">";
            put_escaped(out, ind.name);
            out += "</a> " + escaped(o.period.label());
            if (!ind.measure.empty()) out += "(" + escaped(ind.measure) + ")";
            out += o.overdue ? " <span class=\"light red\">逾期 " + std::to_string(o.days_overdue) +
                                   " 天</span>"
                             : " <span class=\"muted\">剩 " + std::to_string(o.working_days_left) +
                                   " 个工作日</span>";
            if (reviewed) {
                out += " <span class=\"muted review-by\">须经 ";
                put_escaped(out, ind.review.by == ReviewRule::By::office
                                     ? std::string("督查室")
                                     : unit_name(plan, ind.review.unit));
                out += " 审核</span>";
            }
            out +=
                "</span><input type=\"text\" name=\"value\" inputmode=\"decimal\" required "
                "placeholder=\"";
            out += progress ? "完成百分比 0-100" : "数值";
            out += "\"><input type=\"text\" name=\"note\" maxlength=\"4000\" placeholder=\"";
            out += progress ? "进展情况" : "说明(可选)";
            out += "\">";
            if (reviewed) {
                out +=
                    "<label class=\"files\">佐证材料 <input type=\"file\" name=\"file\" multiple "
                    "accept=\"";
                out += kEvidenceAccept;
                out += "\"></label>";
            }
            out += "<button type=\"submit\">提交</button>";
            if (reviewed)
                if (auto st = returned_step(ind.key, o.period.label())) put_returned(out, e, *st);
            out += "</form>";
        }
        if (rows == 0)
            out += "<p class=\"muted\">现在没有应报期别。</p>";
        else
            out += "</div>";
        put_submissions(out, e, unit);
    } else {
        out += "<p class=\"muted\">管理员令牌:在“单位”页选择单位,或用下面的表单填报任一指标。</p>";
    }

    // any indicator, any period (a correction, an early report); prefilled from the query
    out += "<h2>填报其他指标或期别</h2>";
    if (const auto key = param(query, "indicator"), period = param(query, "period");
        !key.empty() && !period.empty())
        if (auto st = returned_step(key, period)) put_returned(out, e, *st);
    out +=
        "<form method=\"post\" action=\"/report\" id=\"report-form\" class=\"report-row "
        "with-files\" enctype=\"multipart/form-data\" " +
        limits + ">";
    put_hidden(out, "csrf", csrf);
    out +=
        "<label>指标 <input type=\"text\" name=\"indicator\" id=\"indicator\" list=\"indicators\" "
        "required value=\"";
    put_escaped(out, param(query, "indicator"));
    out +=
        "\"></label><label>期别 <input type=\"text\" name=\"period\" id=\"period\" required "
        "placeholder=\"2023-Q1\" value=\"";
    put_escaped(out, param(query, "period"));
    out +=
        "\"></label><label>数值 <input type=\"text\" name=\"value\" id=\"value\" "
        "inputmode=\"decimal\" value=\"";
    put_escaped(out, param(query, "value"));
    out +=
        "\"></label><label>说明 <input type=\"text\" name=\"note\" id=\"note\" "
        "maxlength=\"4000\" value=\"";
    put_escaped(out, param(query, "note"));
    out +=
        "\"></label><label class=\"files\">佐证材料 <input type=\"file\" name=\"file\" "
        "id=\"files\" multiple accept=\"";
    out += kEvidenceAccept;
    out +=
        "\"></label><button type=\"submit\" id=\"submit\">提交</button></form><datalist "
        "id=\"indicators\">";
    const Principal as_unit{"", unit, false};
    for (const auto& ind : plan.indicators) {
        if (ind.derived() || ind.rollup()) continue;
        if (!unit.empty() && !may_write(as_unit, plan, ind)) continue;
        out += "<option value=\"";
        put_escaped(out, ind.key);
        out += "\">";
        put_escaped(out, ind.name);
        out += "</option>";
    }
    out +=
        "</datalist><p class=\"muted\">期别写作 2023、2023-H1、2023-Q1 或 2023-03;"
        "只在数值写入数据库后才显示“已保存”(须审核的指标显示“已提交,待审核”)。"
        "佐证材料:PDF、PNG、JPEG、Excel(.xlsx)或 Word(.docx),按文件内容识别,每个不超过 " +
        mib_text(d_.evidence.max_file_bytes) + ",每次最多 " +
        std::to_string(d_.evidence.max_files) + " 个。</p>";

    // a CSV file (the API's columns), previewed first, then stored all or nothing
    out +=
        "<h2>批量上传(CSV 或 Excel)</h2><form method=\"post\" action=\"/report/csv\" "
        "id=\"csv-form\">";
    put_hidden(out, "csrf", csrf);
    if (who.admin) put_hidden(out, "unit", unit);
    out +=
        "<p class=\"muted\">列:indicator(指标)、period(期间)、value(数值),可选 note(备注);"
        "CSV 为 UTF-8,Excel(.xlsx)读第一个工作表,期间列请设为文本。选择文件或直接粘贴,"
        "先预览,再确认提交:有一行不对则全部不保存。</p>"
        "<p><input type=\"file\" id=\"csv-file\" "
        "accept=\".csv,text/csv,.xlsx,application/"
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet\"> <span id=\"file-status\" "
        "class=\"muted\"></span></p>"
        "<p><textarea name=\"csv\" id=\"csv\" rows=\"6\" cols=\"80\" required>";
    put_escaped(out, param(query, "csv"));
    out +=
        "</textarea></p><p><button type=\"submit\" name=\"action\" value=\"preview\" "
        "id=\"csv-preview\">预览</button></p></form>";
    return html_page(status, web_frame("填报", "report", v), out);
}

asio::awaitable<HttpResponse> Service::web_report(const WebVisitor& v, const Query& form,
                                                  std::vector<FormPart> files) {
    const auto indicator = trimmed(param(form, "indicator"));
    const auto period = trimmed(param(form, "period"));
    const auto value_text = trimmed(param(form, "value"));
    const auto note = param(form, "note");
    json::object item{{"indicator", indicator}, {"period", period}};
    // a number goes as a number; anything else as it was typed, for the API to refuse in its words
    double value = 0;
    const auto [end, ec] =
        std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (!value_text.empty() && ec == std::errc{} && end == value_text.data() + value_text.size() &&
        std::isfinite(value))
        item["value"] = value;
    else if (!value_text.empty())
        item["value"] = value_text;
    if (!note.empty()) item["note"] = note;
    HttpRequest api;
    api.method = "POST";
    api.target = "/api/v1/values";
    if (files.empty()) {
        api.content_type = "application/json";
        api.body = json_text(json::object{{"values", json::array{item}}});
    } else {
        // a value with its evidence: the API's multipart/form-data, so the same checks (kinds
        // by their bytes, evidence limits) and the same commit
        const std::string boundary = "indicatord-web-" + random_web_token().substr(0, 40);
        auto field = [&](std::string_view name, std::string_view text) {
            api.body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"";
            api.body += name;
            api.body += "\"\r\n\r\n";
            api.body += text;
            api.body += "\r\n";
        };
        field("indicator", indicator);
        field("period", period);
        if (!value_text.empty()) field("value", value_text);
        if (!note.empty()) field("note", note);
        for (const auto& f : files) {
            api.body += "--" + boundary +
                        "\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''" +
                        percent_encode(f.filename) + "\r\nContent-Type: " +
                        (f.content_type.empty() ? std::string("application/octet-stream")
                                                : f.content_type) +
                        "\r\n\r\n";
            api.body += f.body;
            api.body += "\r\n";
        }
        api.body += "--" + boundary + "--\r\n";
        api.content_type = "multipart/form-data; boundary=" + boundary;
    }
    const auto answer = co_await post_values(api, v.who());
    Query again{
        {"indicator", indicator}, {"period", period}, {"value", value_text}, {"note", note}};
    if (v.who()->admin) again.emplace_back("unit", param(form, "unit"));
    if (answer.status != 200) {
        auto notice = api_error_notice(answer.body);
        if (!files.empty())  // a browser cannot refill a file field
            notice +=
                "<p class=\"muted\" id=\"files-again\">所选的佐证材料没有保存:"
                "改正后请重新选择文件。</p>";
        co_return web_report_form(v, again, answer.status, notice);
    }

    // committed: say what was stored and how the indicator stands now
    const Engine& e = web_plan();
    std::string notice = "<div class=\"notice ok\" id=\"message\">";
    try {
        const auto doc = json::parse(answer.body).as_object();
        const auto& values = doc.at("values").as_array();
        const bool submitted = std::any_of(values.begin(), values.end(), [](const auto& s) {
            return s.as_object().contains("state");
        });
        notice += submitted ? "<b>已提交,待审核。</b> " : "<b>已保存。</b> ";
        for (const auto& s : values) {
            const auto& o = s.as_object();
            const auto key = std::string(o.at("indicator").as_string());
            notice += "<a href=\"/indicators/" + percent_encode(key) + "\">";
            put_escaped(notice, key);
            notice += "</a> ";
            put_escaped(notice, o.at("period").as_string());
            notice += " = ";
            put_escaped(notice, value_text);
            if (o.contains("revision"))
                notice +=
                    "(第 " + std::to_string(o.at("revision").to_number<long long>()) + " 次修订)";
            else  // under review (docs/review.md): it counts once approved
                notice += "(已提交,待审核,审核通过后计入评价)";
            const long idx = e.plan().index_of(key);
            if (idx >= 0) {
                notice += ",现在 ";
                const auto i = static_cast<std::size_t>(idx);
                put_light(notice, light_of(*web_, e, i, d_.clock.now()), e.evaluation(i).status);
                notice += ":";
                put_escaped(notice, describe(e.plan().indicators[i], e.evaluation(i)));
            }
            // the files as stored with the value (read back: they are on disk)
            if (const auto* id = o.if_contains("review"); id && id->is_int64() && d_.reviews) {
                const auto stored = d_.reviews->evidence_of(id->as_int64());
                if (!stored.empty()) {
                    notice += "<ul id=\"submitted-files\">";
                    for (const auto& f : stored) {
                        notice += "<li>佐证材料 <a href=\"/evidence/" + std::to_string(f.id) +
                                  "\" download>";
                        put_escaped(notice, f.name);
                        notice += "</a> <span class=\"muted\">";
                        put_escaped(notice, f.media_type);
                        notice += ",";
                        notice += std::to_string(f.size) + " 字节</span></li>";
                    }
                    notice += "</ul>";
                }
            }
        }
    } catch (const std::exception&) {
        put_escaped(notice, answer.body);
    }
    notice += "</div>";
    Query fresh;
    if (v.who()->admin) fresh.emplace_back("unit", param(form, "unit"));
    co_return web_report_form(v, fresh, 200, notice);
}

asio::awaitable<HttpResponse> Service::web_acknowledge(const WebVisitor& v,
                                                       std::string_view fingerprint,
                                                       const Query& form) {
    HttpRequest api;
    api.method = "POST";
    api.target = "/api/v1/alerts/" + std::string(fingerprint) + "/ack";
    api.content_type = "application/json";
    api.body = json_text(json::object{{"comment", param(form, "comment")}});
    const auto answer = co_await acknowledge(fingerprint, api, v.who());
    if (answer.status != 200) {
        std::string message;
        try {
            message = json::parse(answer.body).as_object().at("error").as_string().c_str();
        } catch (const std::exception&) {
            message = answer.body;
        }
        co_return web_message(answer.status, v, "确认提醒", message);
    }
    auto back = local_path(param(form, "back"));
    if (back.empty()) back = "/desk";
    co_return see_other(back + "#alerts");
}

asio::awaitable<HttpResponse> Service::web_chase(const WebVisitor& v, std::string_view key,
                                                 const Query& form) {
    HttpRequest api;
    api.method = "POST";
    api.target = "/api/v1/indicators/" + std::string(key) + "/chase";
    api.content_type = "application/json";
    api.body = json_text(json::object{{"comment", param(form, "comment")}});
    const auto* who = v.who();
    if (who && !who->admin)  // the API's own check (authorize) is not on this path
        co_return web_message(403, v, "催办", "only an admin token (the office) may chase a unit");
    const auto answer = co_await chase(key, api, who);
    if (answer.status != 200) {
        std::string message;
        try {
            message = json::parse(answer.body).as_object().at("error").as_string().c_str();
        } catch (const std::exception&) {
            message = answer.body;
        }
        co_return web_message(answer.status, v, "催办", message);
    }
    co_return see_other("/indicators/" + percent_encode(key) + "#chases");
}

}  // namespace indicatord
