#include "app/log.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string_view>

#include "app/systemd.hpp"

namespace indicatord {

namespace {

// "<4>warning message": the sd-daemon(3) priority of the message's level (SD_CRIT ... SD_DEBUG),
// the level's name and the message, on every line of a message that has several, since the
// journal gives each line the priority it starts with.
class JournalFormatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const std::string_view priority = msg.level == spdlog::level::critical ? "<2>"
                                          : msg.level == spdlog::level::err    ? "<3>"
                                          : msg.level == spdlog::level::warn   ? "<4>"
                                          : msg.level == spdlog::level::info   ? "<6>"
                                                                               : "<7>";
        const auto level = spdlog::level::to_string_view(msg.level);
        std::string_view text(msg.payload.data(), msg.payload.size());
        do {
            const auto nl = text.find('\n');
            const auto line = text.substr(0, nl);
            dest.append(priority.data(), priority.data() + priority.size());
            dest.append(level.data(), level.data() + level.size());
            dest.push_back(' ');
            dest.append(line.data(), line.data() + line.size());
            dest.push_back('\n');
            text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        } while (!text.empty());
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JournalFormatter>();
    }
};

}  // namespace

void setup_logging() {
    spdlog::set_default_logger(spdlog::stderr_logger_mt("indicatord"));
    if (systemd::stderr_is_journal()) {
        spdlog::set_formatter(std::make_unique<JournalFormatter>());
    } else {
        spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
    }
}

}  // namespace indicatord
