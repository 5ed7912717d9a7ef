// 填报 by CSV: a file of values (the columns of POST /api/v1/values' CSV, read by the same
// parser) is previewed row by row, then, once confirmed, handed to post_values as text/csv:
// the same checks, all or nothing, the API's words for what is wrong.
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <boost/json.hpp>

#include "config/auth.hpp"
#include "eval/csv_import.hpp"
#include "eval/engine.hpp"
#include "http/content_type.hpp"
#include "http/web_view.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// The preview: each row as it would be stored, or why it would not.
std::string preview(const CsvBatch& batch, const Plan& plan, const Principal& who) {
    std::string out;
    if (!batch.error.empty()) {
        out += "<div class=\"notice error\" id=\"message\"><b>无法读取。</b> ";
        put_escaped(out, batch.error);
        out += "</div>";
        return out;
    }
    std::size_t refused = 0;
    std::string rows;
    for (const auto& v : batch.values) {
        const auto& ind = plan.indicators[v.item.indicator];
        const bool may = may_write(who, plan, ind);
        if (!may) ++refused;
        rows += "<tr class=\"preview-row\"><td>" + std::to_string(v.line) + "</td><td>";
        put_escaped(rows, ind.key);
        rows += " ";
        put_escaped(rows, ind.name);
        rows += "</td><td>" + escaped(v.item.period.label()) + "</td><td class=\"num\">" +
                escaped(number_text(v.item.value)) + "</td><td><pre class=\"note\">";
        put_escaped(rows, v.item.note);
        rows += "</pre></td><td>";
        rows += may ? "可提交" : "<span class=\"light red\">本单位不负责该指标</span>";
        rows += "</td></tr>";
    }
    const bool ok = batch.row_errors.empty() && refused == 0 && !batch.values.empty();
    out += ok ? "<div class=\"notice ok\" id=\"message\"><b>预览:</b>" +
                    std::to_string(batch.values.size()) + " 行可提交,确认后才保存。</div>"
              : "<div class=\"notice error\" id=\"message\"><b>预览:有问题的行,整批不会保存。</b>";
    if (!batch.row_errors.empty()) {
        out += "<ul>";
        for (const auto& e : batch.row_errors) {
            out += "<li class=\"item-error\">第 " + std::to_string(e.index) + " 行:";
            put_escaped(out, e.reason);
            out += "</li>";
        }
        out += "</ul>";
    }
    if (!ok) out += "</div>";
    if (!batch.values.empty())
        out +=
            "<table class=\"stack\" id=\"preview\"><thead><tr><th>行</th><th>指标</th>"
            "<th>期别</th><th class=\"num\">数值</th><th>说明</th><th>预览</th></tr></thead>"
            "<tbody>" +
            rows + "</tbody></table>";
    return out;
}

}  // namespace

asio::awaitable<HttpResponse> Service::web_csv(const WebVisitor& v, const Query& form) {
    const Engine& e = web_plan();
    const Principal& who = *v.who();
    const auto csv = param(form, "csv");
    Query again{{"csv", csv}};
    if (who.admin) again.emplace_back("unit", param(form, "unit"));
    const auto action = param(form, "action");
    if (action == "preview") {
        const auto batch = parse_values_csv(csv, e.plan(), CsvEncoding::utf8,
                                            ReportTime{d_.clock.now(), who.admin});
        std::string notice = preview(batch, e.plan(), who);
        if (batch.ok() && !batch.values.empty()) {
            // confirming sends the same text again: the commit checks it all once more
            notice +=
                "<form method=\"post\" action=\"/report/csv\" id=\"csv-commit\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"";
            put_escaped(notice, v.session->csrf);
            notice += "\"><input type=\"hidden\" name=\"csv\" value=\"";
            put_escaped(notice, csv);
            notice += "\">";
            if (who.admin) {
                notice += "<input type=\"hidden\" name=\"unit\" value=\"";
                put_escaped(notice, param(form, "unit"));
                notice += "\">";
            }
            notice +=
                "<button type=\"submit\" name=\"action\" value=\"commit\">确认提交</button>"
                "</form>";
        }
        co_return web_report_form(v, again, 200, notice);
    }
    if (action != "commit")
        co_return web_message(400, v, "填报",
                              "action must be 'preview' or 'commit', got '" + action + "'");
    HttpRequest api;
    api.method = "POST";
    api.target = "/api/v1/values";
    api.content_type = "text/csv; charset=utf-8";
    api.body = csv;
    const auto answer = co_await post_values(api, &who);
    if (answer.status != 200)
        co_return web_report_form(v, again, answer.status, api_error_notice(answer.body));
    std::string notice = "<div class=\"notice ok\" id=\"message\"><b>已保存。</b> ";
    try {
        const auto doc = json::parse(answer.body).as_object();
        notice += std::to_string(doc.at("accepted").to_number<long long>()) + " 个数值:";
        bool first = true;
        for (const auto& s : doc.at("values").as_array()) {
            const auto& o = s.as_object();
            const auto key = std::string(o.at("indicator").as_string());
            if (!first) notice += "、";
            first = false;
            notice += "<a href=\"/indicators/" + percent_encode(key) + "\">";
            put_escaped(notice, key);
            notice += "</a> ";
            put_escaped(notice, o.at("period").as_string());
            notice += "(第 " + std::to_string(o.at("revision").to_number<long long>()) + " 次修订)";
        }
    } catch (const std::exception&) {
        put_escaped(notice, answer.body);
    }
    notice += "</div>";
    Query fresh;
    if (who.admin) fresh.emplace_back("unit", param(form, "unit"));
    co_return web_report_form(v, fresh, 200, notice);
}

HttpResponse Service::web_xlsx(const HttpRequest& req, const WebVisitor& v) const {
    // plain text answers: the page's script shows them beside the file chooser
    const auto text = [](unsigned status, std::string body) {
        HttpResponse r;
        r.status = status;
        r.content_type = status == 200 ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8";
        r.body = std::move(body);
        add_web_headers(r);
        return r;
    };
    if (!d_.tokens || !d_.tokens())
        return text(403,
                    "the console takes reports only from signed-in units, and auth.tokens_file "
                    "is not configured: report through the API");
    if (!v.session)
        return text(401,
                    "not signed in: sign in with your unit's API token, then choose the file "
                    "again");
    if (!same_secret(req.csrf, v.session->csrf))
        return text(403,
                    "the CSRF token is missing or wrong: reload the page and choose the file "
                    "again");
    const auto type = parse_content_type(req.content_type);
    if (!type || type->media_type != kXlsxMediaType)
        return text(415, "the file must be sent as " + std::string(kXlsxMediaType) + ", got '" +
                             (req.content_type.empty() ? std::string("none") : req.content_type) +
                             "'");
    try {
        return text(200,
                    sheet_to_csv(read_first_sheet(req.body, {.max_rows = kMaxBatchItems + 1000})));
    } catch (const XlsxError& e) {
        return text(400, e.what());
    }
}

}  // namespace indicatord
