#include "harness.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace it {

namespace fs = std::filesystem;

TempDir::TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("indicatord-it-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

namespace {
std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

Process::Process(const std::vector<std::string>& argv, const fs::path& log_dir,
                 const std::map<std::string, std::string>& env) {
    static int counter = 0;
    const auto tag = std::to_string(::getpid()) + "-" + std::to_string(counter++);
    out_ = log_dir / ("proc-" + tag + ".out");
    err_ = log_dir / ("proc-" + tag + ".err");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        std::FILE* o = std::freopen(out_.c_str(), "w", stdout);
        std::FILE* e = std::freopen(err_.c_str(), "w", stderr);
        (void)o;
        (void)e;
        for (auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        std::perror("exec");
        ::_exit(127);
    }
}

Process::~Process() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds(5));
    }
}

void Process::signal(int sig) const {
    ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return status_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
}

bool Process::running() {
    return !wait(std::chrono::milliseconds(0));
}
std::string Process::out() const {
    return slurp(out_);
}
std::string Process::err() const {
    return slurp(err_);
}

Daemon::Daemon(const fs::path& dir, const std::string& config, std::vector<std::string> extra) {
    db_ = dir / "indicatord.db";
    std::vector<std::string> argv{kDaemon,       "--config",   config,      "--listen",
                                  "127.0.0.1:0", "--database", db_.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<Process>(argv, dir);
    static const std::regex re("listening on (https?)://127\\.0\\.0\\.1:([0-9]+)");
    const bool up = eventually([&] {
        std::smatch m;
        const auto out = proc_->out();
        if (std::regex_search(out, m, re)) {
            scheme_ = m[1];
            port_ = static_cast<std::uint16_t>(std::stoi(m[2]));
            return true;
        }
        return !proc_->running();
    });
    if (!up || port_ == 0) throw std::runtime_error("indicatord did not start: " + proc_->err());
}

std::string Daemon::url(const std::string& path) const {
    return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
}

namespace {
size_t write_body(char* p, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(p, size * n);
    return size * n;
}
size_t write_header(char* p, size_t size, size_t n, void* user) {
    std::string line(p, size * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        auto key = line.substr(0, colon);
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        value.erase(value.find_last_not_of("\r\n") + 1);
        (*static_cast<std::map<std::string, std::string>*>(user))[key] = value;
    }
    return size * n;
}
}  // namespace

Response http(const std::string& method, const std::string& url, const std::string& body,
              const std::string& content_type, const std::vector<std::string>& extra) {
    static const bool init = (curl_global_init(CURL_GLOBAL_DEFAULT), true);
    (void)init;
    Response r;
    CURL* c = curl_easy_init();
    curl_slist* headers = nullptr;
    if (!content_type.empty())
        headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    headers = curl_slist_append(headers, "Expect:");
    for (const auto& h : extra) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (!body.empty() || method == "POST") {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);  // the tests' self-signed certificates
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        r.content_type = r.headers["content-type"];
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return r;
}

void set_clock(const Daemon& d, const std::string& now) {
    const auto r = http("POST", d.url("/-/clock"), R"({"now":")" + now + R"("})");
    INFO(r.body);
    REQUIRE(r.status == 200);
}

bool eventually(const std::function<bool()>& ok, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (ok()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

std::pair<int, std::string> run(const std::string& command) {
    std::string out;
    std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) return {-1, ""};
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int st = ::pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

RawClient::RawClient(std::uint16_t port, int receive_buffer) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    if (receive_buffer > 0)
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        const int e = errno;
        ::close(fd_);
        throw std::runtime_error(std::string("connect: ") + std::strerror(e));
    }
}

RawClient::~RawClient() {
    ::close(fd_);
}

std::uint16_t RawClient::local_port() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

bool RawClient::send(std::string_view data) {
    while (!data.empty()) {
        const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            closed_ = true;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::optional<std::string> RawClient::head(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto end = buffer_.find("\r\n\r\n"); end != std::string::npos) {
            auto h = buffer_.substr(0, end + 4);
            buffer_.erase(0, end + 4);
            return h;
        }
        if (!receive(deadline)) return std::nullopt;
    }
}

std::optional<std::string> RawClient::response(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto h = head(timeout);
    if (!h) return std::nullopt;
    const auto length_text = header_of(*h, "content-length");
    const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
    while (buffer_.size() < length)
        if (!receive(deadline)) return std::nullopt;
    auto r = *h + buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && receive(deadline)) {
    }
    return closed_;
}

bool RawClient::receive(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || closed_) return false;
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        char buf[16384];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            buffer_.append(buf, static_cast<std::size_t>(n));
            return true;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        closed_ = true;  // 0: orderly close; ECONNRESET: reset
        return false;
    }
}

int status_of(const std::string& response) {
    return response.size() > 12 && response.starts_with("HTTP/1.")
               ? std::stoi(response.substr(9, 3))
               : 0;
}

std::string body_of(const std::string& response) {
    const auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : response.substr(at + 4);
}

std::string header_of(const std::string& response, const std::string& name) {
    std::string lower = response.substr(0, response.find("\r\n\r\n") + 2);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string key = "\r\n" + name + ":";
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto at = lower.find(key);
    if (at == std::string::npos) return {};
    auto value =
        response.substr(at + key.size(), lower.find("\r\n", at + key.size()) - at - key.size());
    value.erase(0, value.find_first_not_of(' '));
    return value;
}

SmallFilesystem::SmallFilesystem(const fs::path& dir) : dir_(dir) {
    fs::create_directories(dir);
    auto tmpfs = run("mount -t tmpfs -o size=2m,mode=0700 tmpfs '" + dir.string() + "'");
    if (tmpfs.first == 0) {
        mounted_ = true;
        return;
    }
    const auto image = dir.parent_path() / "small.img";
    auto loop =
        run("truncate -s 8M '" + image.string() + "' && mkfs.ext4 -q -F -m 0 '" + image.string() +
            "' && mount -o loop '" + image.string() + "' '" + dir.string() + "'");
    if (loop.first == 0) {
        mounted_ = true;
        return;
    }
    auto one_line = [](std::string s) {
        std::replace(s.begin(), s.end(), '\n', ' ');
        return s;
    };
    error_ = "mount -t tmpfs: " + one_line(tmpfs.second) +
             "; mount -o loop of an ext4 image: " + one_line(loop.second);
}
SmallFilesystem::~SmallFilesystem() {
    if (mounted_ && run("umount '" + dir_.string() + "'").first != 0)
        run("umount -l '" + dir_.string() + "'");
}

std::string one_value(const std::string& indicator, const std::string& period, double value) {
    return R"({"values":[{"indicator":")" + indicator + R"(","period":")" + period +
           R"(","value":)" + std::to_string(value) + "}]}";
}

std::vector<StoredValue> history(const Daemon& d, const std::string& key,
                                 const std::vector<std::string>& headers) {
    std::vector<StoredValue> out;
    std::string cursor;  // the history comes in pages
    do {
        const auto r = http("GET",
                            d.url("/api/v1/indicators/" + key + "/values?limit=1000" +
                                  (cursor.empty() ? "" : "&cursor=" + cursor)),
                            {}, "application/json", headers);
        if (r.status != 200)
            throw std::runtime_error("history of " + key + ": HTTP " + std::to_string(r.status) +
                                     " " + r.body);
        const auto doc = boost::json::parse(r.body).as_object();
        for (const auto& v : doc.at("values").as_array()) {
            const auto& o = v.as_object();
            out.push_back({std::string(o.at("period").as_string()),
                           o.at("value").to_number<double>(),
                           static_cast<int>(o.at("revision").to_number<double>())});
        }
        const auto* next = doc.if_contains("next_cursor");
        cursor = next ? std::string(next->as_string()) : std::string();
    } while (!cursor.empty());
    return out;
}

}  // namespace it
