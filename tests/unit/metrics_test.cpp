#include "http/metrics.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "eval/engine.hpp"
#include "test_util.hpp"

using namespace indicatord;

namespace {
// Parses "name{labels} value" lines of the text format into name -> list of (labels, value).
std::multimap<std::string, std::pair<std::string, double>> parse(const std::string& text) {
    std::multimap<std::string, std::pair<std::string, double>> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto brace = line.find('{');
        const auto space = line.rfind(' ');
        REQUIRE(space != std::string::npos);
        const auto name = line.substr(0, std::min(brace, space));
        const auto labels =
            brace == std::string::npos ? "" : line.substr(brace, line.rfind('}') - brace + 1);
        out.emplace(name, std::make_pair(labels, std::stod(line.substr(space + 1))));
    }
    return out;
}
}  // namespace

TEST_CASE("per-indicator families: one-hot status, values, bounded labels", "[metrics]") {
    Engine engine(std::make_shared<const Plan>(load_plan({test::kData + "/minimal"})), nullptr);
    const auto gdp = static_cast<std::size_t>(engine.plan().index_of("gdp_growth"));
    engine.record(gdp, Observation{*parse_period("2023-Q1"), 4.9, 1,
                                   TimePoint(std::chrono::seconds(1680000000))});
    const auto now = *parse_instant("2023-07-27T00:00:00+08:00");
    engine.evaluate_all(now);

    std::string text;
    write_indicator_metrics(text, engine, now);
    auto m = parse(text);

    CHECK(m.count("indicator_status") == engine.plan().indicators.size() * std::size(kAllStatuses));
    std::map<std::string, double> ones;
    for (auto [it, end] = m.equal_range("indicator_status"); it != end; ++it)
        ones[it->second.first.substr(0, it->second.first.find(",status="))] += it->second.second;
    CHECK(ones.size() == engine.plan().indicators.size());
    for (auto& [labels, sum] : ones) CHECK(sum == 1);

    const std::string labels = R"({plan="test-2023",task="1",indicator="gdp_growth",unit="fgw"})";
    auto value = m.equal_range("indicator_value");
    REQUIRE(std::distance(value.first, value.second) == 1);
    CHECK(value.first->second.first == labels);
    CHECK(value.first->second.second == 4.9);
    CHECK(m.find("indicator_target")->second.second == 6);
    CHECK(m.find("indicator_last_report_timestamp_seconds")->second.second == 1680000000);
    // Q2 was due 2023-07-20 (end of day: 07-21 00:00) with 5 days' grace: overdue on 07-27, 6 days
    // late
    CHECK(text.find(labels.substr(0, labels.size() - 1) + ",status=\"overdue\"} 1") !=
          std::string::npos);
    // the overdue report's due time, as a timestamp: 6 days before now
    CHECK(m.find("indicator_overdue_since_timestamp_seconds")->second.second ==
          static_cast<double>(now.time_since_epoch().count()) / 1000.0 - 6 * 86400);
    // per unit: fgw leads gdp_growth, cpi_growth and manufacturing_projects, all three overdue by
    // now
    CHECK(text.find(
              "indicator_unit_indicators{plan=\"test-2023\",unit=\"fgw\",status=\"overdue\"} 3") !=
          std::string::npos);
    CHECK(text.find("indicator_unit_overdue_reports{plan=\"test-2023\",unit=\"fgw\"} 3") !=
          std::string::npos);
    CHECK(text.find("unit=\"tjj\"") == std::string::npos);  // leads nothing
}

TEST_CASE("label values are escaped", "[metrics]") {
    CHECK(escape_label(R"(a"b\c)") == R"(a\"b\\c)");
    CHECK(escape_label("a\nb") == "a\\nb");
}

TEST_CASE("self metrics serialize with the indicatord_ prefix", "[metrics]") {
    SelfMetrics m("1.2.3");
    m.values_accepted.Increment(3);
    m.count_response("/api/v1/values", 200);
    const auto text = m.serialize();
    CHECK(text.find("indicatord_values_ingested_total{result=\"accepted\"} 3") !=
          std::string::npos);
    CHECK(text.find("indicatord_http_requests_total{code=\"200\",route=\"/api/v1/values\"} 1") !=
          std::string::npos);
    CHECK(text.find("indicatord_build_info{version=\"1.2.3\"} 1") != std::string::npos);
}

TEST_CASE("responses are counted by route and code, each pair its own counter", "[metrics]") {
    SelfMetrics m("1");
    std::string route = "/api/v1/values";
    m.count_response(route, 200);
    route = "/metrics";  // the counters keep their own copy of the route
    m.count_response("/api/v1/values", 200);
    m.count_response("/api/v1/values", 400);
    m.count_response(route, 200);
    const auto text = m.serialize();
    CHECK(text.find("indicatord_http_requests_total{code=\"200\",route=\"/api/v1/values\"} 2") !=
          std::string::npos);
    CHECK(text.find("indicatord_http_requests_total{code=\"400\",route=\"/api/v1/values\"} 1") !=
          std::string::npos);
    CHECK(text.find("indicatord_http_requests_total{code=\"200\",route=\"/metrics\"} 1") !=
          std::string::npos);
}

TEST_CASE("the streamed writer produces exactly the whole text, in parts", "[metrics]") {
    auto engine = std::make_shared<Engine>(
        std::make_shared<const Plan>(load_plan({test::kData + "/minimal"})), nullptr);
    engine->record(0, Observation{*parse_period("2023-Q1"), 4.9, 1,
                                  TimePoint(std::chrono::seconds(1680000000))});
    const auto now = *parse_instant("2023-07-27T00:00:00+08:00");
    engine->evaluate_all(now);
    std::string whole;
    write_indicator_metrics(whole, *engine, now);
    IndicatorMetricsWriter w(engine, now);
    std::string streamed, part;
    int parts = 0;
    bool more = true;
    while (more) {
        part.clear();
        more = w.next(part, 100);  // tiny budget: many parts
        streamed += part;
        ++parts;
    }
    CHECK(streamed == whole);
    CHECK(parts > 5);
}
