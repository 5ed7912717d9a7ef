// The console's HTML: escaping, the traffic lights and the page frame.
#include "http/web_html.hpp"

#include <algorithm>

namespace indicatord {

std::string_view to_string(Light light) {
    switch (light) {
        case Light::green:
            return "green";
        case Light::yellow:
            return "yellow";
        case Light::red:
            return "red";
        case Light::grey:
            break;
    }
    return "grey";
}

std::string_view light_words(Light light) {
    switch (light) {
        case Light::green:
            return "绿灯";
        case Light::yellow:
            return "黄灯";
        case Light::red:
            return "红灯";
        case Light::grey:
            break;
    }
    return "灰灯";
}

Lights::Lights(const WebConfig& config) : due_soon_(config.due_soon) {
    std::fill(std::begin(by_status_), std::end(by_status_), Light::grey);
    auto set = [&](const std::vector<std::string>& names, Light light) {
        for (const auto& n : names)
            if (auto s = parse_status(n)) by_status_[static_cast<std::size_t>(*s)] = light;
    };
    set(config.green, Light::green);
    set(config.yellow, Light::yellow);
    set(config.red, Light::red);
}

void put_light(std::string& out, Light light, Status status) {
    out += "<span class=\"light ";
    out += to_string(light);
    out += "\">";
    out += light_words(light);
    out += "</span> <span class=\"status\">";
    out += status_words(status);
    out += " ";
    out += to_string(status);
    out += "</span>";
}

void add_web_headers(HttpResponse& r) {
    r.headers.emplace_back(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "same-origin");
}

HttpResponse html_page(unsigned status, const PageFrame& f, std::string_view body) {
    std::string out;
    out.reserve(body.size() + 2048);
    out +=
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>";
    put_escaped(out, f.title);
    out += " · ";
    put_escaped(out, f.plan_name);
    out +=
        "</title><link rel=\"stylesheet\" href=\"/static/console.css\">"
        "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">"
        "<script src=\"/static/console.js\" defer></script></head>\n<body><header>"
        "<span class=\"plan\">";
    put_escaped(out, f.plan_name);
    out += "</span><nav>";
    auto tab = [&](std::string_view id, std::string_view href, std::string_view words) {
        out += "<a href=\"";
        out += href;
        out += id == f.nav ? "\" class=\"here\">" : "\">";
        out += words;
        out += "</a>";
    };
    tab("board", "/", "总览");
    tab("desk", "/desk", "单位");
    tab("report", "/report", "填报");
    tab("alerts", "/alerts", "提醒");
    tab("bulletin", "/bulletin", "通报");
    if (f.reviews) {
        out += "<a href=\"/reviews\" id=\"nav-reviews\"";
        out += f.nav == "reviews" ? " class=\"here\">" : ">";
        out += "审核";
        if (*f.reviews > 0)
            out += " <span class=\"count\">" + std::to_string(*f.reviews) + "</span>";
        out += "</a>";
    }
    out += "</nav><span class=\"clock\">截至 ";
    put_escaped(out, f.now);
    out += "</span><span class=\"who\">";
    if (!f.who.empty()) {
        out += "<span id=\"signed-in\">";
        put_escaped(out, f.who);
        out +=
            "</span><form class=\"inline\" method=\"post\" action=\"/signout\">"
            "<input type=\"hidden\" name=\"csrf\" value=\"";
        put_escaped(out, f.csrf);
        out += "\"><button class=\"plain\" type=\"submit\">退出</button></form>";
    } else if (f.nav != "signin") {
        out += "<a href=\"/signin\">登录</a>";
    }
    out += "</span></header>\n<main><h1>";
    put_escaped(out, f.title);
    out += "</h1>\n";
    out += body;
    out += "</main></body></html>\n";
    HttpResponse r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(out);
    add_web_headers(r);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

HttpResponse see_other(std::string_view location) {
    HttpResponse r;
    r.status = 303;
    r.content_type = "text/html; charset=utf-8";
    r.headers.emplace_back("Location", std::string(location));
    add_web_headers(r);
    r.body = "<!doctype html><a href=\"" + escaped(location) + "\">continue</a>\n";
    return r;
}

}  // namespace indicatord
