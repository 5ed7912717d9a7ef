#pragma once
// Real receivers for notification tests: an SMTP server (aiosmtpd) and an HTTP webhook sink,
// both python processes started on free ports.

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace it {

namespace json = boost::json;
namespace fs = std::filesystem;

// Debian's interpreter: python3-aiosmtpd is installed for it (a pyenv python3 on PATH lacks it).
inline const std::string kPython = "/usr/bin/python3";
inline const std::string kReceivers = it::kData + "/../integration/receivers";

inline std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Waits for a receiver's ready file; fails the test with the receiver's stderr if it died.
inline void wait_ready(it::Process& proc, const fs::path& ready) {
    const bool up = it::eventually([&] { return fs::exists(ready) || !proc.running(); });
    INFO("receiver stderr: " << proc.err());
    REQUIRE(up);
    REQUIRE(fs::exists(ready));
}

/// receivers/smtp_sink.py on a free port; messages land in dir()/N.eml + N.json.
class SmtpSink {
  public:
    SmtpSink(const it::TempDir& tmp, std::vector<std::string> extra = {})
        : port_(it::free_port()), dir_(tmp.path() / ("smtp-" + std::to_string(port_))) {
        const auto ready = dir_.string() + ".ready";
        std::vector<std::string> argv{kPython,        kReceivers + "/smtp_sink.py",
                                      "--port",       std::to_string(port_),
                                      "--dir",        dir_.string(),
                                      "--ready-file", ready};
        argv.insert(argv.end(), extra.begin(), extra.end());
        proc_ = std::make_unique<it::Process>(argv, tmp.path());
        wait_ready(*proc_, ready);
    }
    std::string url(const std::string& scheme = "smtp") const {
        return scheme + "://127.0.0.1:" + std::to_string(port_);
    }
    const fs::path& dir() const { return dir_; }
    std::size_t messages() const {
        std::size_t n = 0;
        for (const auto& e : fs::directory_iterator(dir_)) n += e.path().extension() == ".json";
        return n;
    }

  private:
    std::uint16_t port_;
    fs::path dir_;
    std::unique_ptr<it::Process> proc_;
};

/// receivers/http_sink.py on port 0 (it reports the port it got); requests logged as JSON lines.
class HttpSink {
  public:
    HttpSink(const it::TempDir& tmp, const std::string& name, std::vector<std::string> extra = {})
        : log_(tmp.path() / (name + ".jsonl")), control_(tmp.path() / (name + ".control.json")) {
        const auto ready = tmp.path() / (name + ".ready");
        std::vector<std::string> argv{kPython,        kReceivers + "/http_sink.py",
                                      "--port",       "0",
                                      "--log",        log_.string(),
                                      "--ready-file", ready.string(),
                                      "--control",    control_.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        proc_ = std::make_unique<it::Process>(argv, tmp.path());
        wait_ready(*proc_, ready);
        port_ = std::stoi(slurp(ready));
    }
    std::string url(const std::string& path = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    /// From now on every request is answered with this (the control file).
    void answer(int status, const std::string& body, double delay = 0) const {
        const auto tmp = control_.string() + ".tmp";
        std::ofstream(tmp) << json::serialize(
            json::object{{"status", status}, {"body", body}, {"delay", delay}});
        fs::rename(tmp, control_);
    }
    std::vector<json::object> requests() const {
        std::vector<json::object> out;
        std::ifstream in(log_);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) out.push_back(json::parse(line).as_object());
        return out;
    }

  private:
    fs::path log_, control_;
    int port_ = 0;
    std::unique_ptr<it::Process> proc_;
};

inline std::string header(const json::object& request, std::string name) {
    for (const auto& h : request.at("headers").as_array()) {
        auto key = std::string(h.as_array()[0].as_string());
        if (std::equal(key.begin(), key.end(), name.begin(), name.end(),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
            return std::string(h.as_array()[1].as_string());
    }
    return "<absent>";
}

}  // namespace it
