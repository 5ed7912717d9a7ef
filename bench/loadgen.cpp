// HTTP/1.1 load generator for the ingest benchmark (bench/run.sh); not a test.
//
// One thread, epoll, C keep-alive connections to 127.0.0.1, one request in flight per
// connection. Each request carries B values: for indicatord a JSON batch POSTed to
// /api/v1/values, for the Prometheus Pushgateway B text-format samples POSTed to
// /metrics/job/bench/instance/cN. It sends until the duration or the request budget is used
// up, then stops issuing and waits for every request in flight, so that
// `values_acked = responses_2xx * B` is exact and can be checked against what the server
// stored. Prints KEY=VALUE lines (prefixed with --prefix) for the script. For indicatord it sends
// `Authorization: Bearer $BENCH_TOKEN` when that environment variable is set.
//
// Usage: loadgen --port P --target indicatord|pushgateway [--host 127.0.0.1]
//                [--connections 8] [--batch 1000] [--duration 10] [--max-requests N]
//                [--indicators 10000] [--seed 0] [--prefix X_]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string target = "indicatord";
    int connections = 8;
    int batch = 1000;
    double duration = 10;
    long long max_requests = -1;
    long long indicators = 10000;
    long long seed = 0;
    std::string prefix;
    std::string token;  // BENCH_TOKEN: bearer token for indicatord
};

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "loadgen: %s\n", msg.c_str());
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value after " + a);
            return argv[++i];
        };
        if (a == "--host")
            o.host = next();
        else if (a == "--port")
            o.port = std::stoi(next());
        else if (a == "--target")
            o.target = next();
        else if (a == "--connections")
            o.connections = std::stoi(next());
        else if (a == "--batch")
            o.batch = std::stoi(next());
        else if (a == "--duration")
            o.duration = std::stod(next());
        else if (a == "--max-requests")
            o.max_requests = std::stoll(next());
        else if (a == "--indicators")
            o.indicators = std::stoll(next());
        else if (a == "--seed")
            o.seed = std::stoll(next());
        else if (a == "--prefix")
            o.prefix = next();
        else
            die("unknown argument " + a);
    }
    if (const char* t = std::getenv("BENCH_TOKEN")) o.token = t;
    if (o.port <= 0) die("--port is required");
    if (o.target != "indicatord" && o.target != "pushgateway")
        die("--target must be indicatord or pushgateway");
    if (o.connections < 1 || o.batch < 1 || o.indicators < 1)
        die("bad --connections/--batch/--indicators");
    if (o.batch > o.indicators)
        die("--batch must not exceed --indicators (keys in a batch are distinct)");
    return o;
}

// Value number `seq` -> indicator bench_NNNNN, quarter 1..4, a value. Consecutive numbers hit
// distinct indicators, so a batch never repeats a key (Pushgateway rejects duplicate series).
struct Sample {
    long long indicator;
    int quarter;
    double value;
};
Sample sample(long long seq, long long indicators) {
    return Sample{seq % indicators, static_cast<int>((seq / indicators) % 4) + 1,
                  static_cast<double>(seq % 1000) / 10.0};
}

void build_request(const Options& o, int conn, long long first_seq, std::string& out) {
    std::string body;
    char buf[160];
    if (o.target == "indicatord") {
        body.reserve(static_cast<std::size_t>(o.batch) * 64 + 16);
        body += "{\"values\":[";
        for (int i = 0; i < o.batch; ++i) {
            auto s = sample(first_seq + i, o.indicators);
            int n = std::snprintf(
                buf, sizeof buf,
                "%s{\"indicator\":\"bench_%05lld\",\"period\":\"2023-Q%d\",\"value\":%.1f}",
                i ? "," : "", s.indicator, s.quarter, s.value);
            body.append(buf, static_cast<std::size_t>(n));
        }
        body += "]}";
        out =
            "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
        if (!o.token.empty()) out += "Authorization: Bearer " + o.token + "\r\n";
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    } else {
        body.reserve(static_cast<std::size_t>(o.batch) * 64);
        for (int i = 0; i < o.batch; ++i) {
            auto s = sample(first_seq + i, o.indicators);
            int n =
                std::snprintf(buf, sizeof buf,
                              "bench_value{indicator=\"bench_%05lld\",period=\"2023-Q%d\"} %.1f\n",
                              s.indicator, s.quarter, s.value);
            body.append(buf, static_cast<std::size_t>(n));
        }
        out = "POST /metrics/job/bench/instance/c" + std::to_string(conn) +
              " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain; "
              "version=0.0.4\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body;
    }
}

struct Conn {
    int id = 0;
    int fd = -1;
    std::string out;
    std::size_t sent = 0;
    std::string in;
    bool busy = false;
    Clock::time_point started;
};

int connect_to(const Options& o) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
    if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) die("bad --host " + o.host);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        die("connect " + o.host + ":" + std::to_string(o.port) + ": " + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int fl = 1;
    ::ioctl(fd, FIONBIO, &fl);
    return fd;
}

bool iequals_prefix(std::string_view line, std::string_view name) {
    if (line.size() < name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
    return true;
}

// Tries to parse one complete response from `in`. Returns the consumed length (0: need more),
// sets `status` and `close`. Handles Content-Length and chunked bodies.
std::size_t parse_response(const std::string& in, int& status, bool& close, std::string& body) {
    auto hend = in.find("\r\n\r\n");
    if (hend == std::string::npos) return 0;
    std::string_view head(in.data(), hend);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/")
        die("bad response: " + std::string(head.substr(0, 80)));
    status = std::atoi(std::string(head.substr(9, 3)).c_str());
    long long length = -1;
    bool chunked = false;
    close = head.substr(0, 8) == "HTTP/1.0";
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
        std::size_t next = head.find("\r\n", pos + 2);
        std::string_view line = head.substr(
            pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
        if (iequals_prefix(line, "content-length:"))
            length = std::atoll(std::string(line.substr(15)).c_str());
        else if (iequals_prefix(line, "transfer-encoding:") &&
                 line.find("chunked") != std::string_view::npos)
            chunked = true;
        else if (iequals_prefix(line, "connection:")) {
            std::string v(line.substr(11));
            for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (v.find("close") != std::string::npos) close = true;
            if (v.find("keep-alive") != std::string::npos) close = false;
        }
        pos = next;
    }
    std::size_t p = hend + 4;
    if (chunked) {
        body.clear();
        for (;;) {
            auto le = in.find("\r\n", p);
            if (le == std::string::npos) return 0;
            long long n = std::strtoll(in.c_str() + p, nullptr, 16);
            p = le + 2;
            if (n == 0) {
                auto te = in.find("\r\n", p);  // no trailers expected
                if (te == std::string::npos) return 0;
                return te + 2;
            }
            if (in.size() < p + static_cast<std::size_t>(n) + 2) return 0;
            body.append(in, p, static_cast<std::size_t>(n));
            p += static_cast<std::size_t>(n) + 2;
        }
    }
    if (length < 0) length = 0;  // our servers always send a length or chunks for 1.1
    if (in.size() < p + static_cast<std::size_t>(length)) return 0;
    body.assign(in, p, static_cast<std::size_t>(length));
    return p + static_cast<std::size_t>(length);
}

double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::vector<Conn> conns(static_cast<std::size_t>(o.connections));
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < o.connections; ++i) {
        conns[i].id = i;
        conns[i].fd = connect_to(o);
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
        ev.data.u32 = static_cast<std::uint32_t>(i);
        if (::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0) die("epoll_ctl");
    }

    long long next_seq = o.seed * 1000003LL;  // distinct starting points per phase
    long long issued = 0, completed = 0, errors = 0, reconnects = 0;
    std::map<int, long long> by_status;
    std::vector<std::uint32_t> latencies_us;
    latencies_us.reserve(1 << 20);
    std::string sample_error;
    bool stopping = false;
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    const auto deadline =
        t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
    const auto grace_deadline = deadline + std::chrono::seconds(60);
    Clock::time_point last_done = t0;

    auto flush = [&](Conn& c) -> bool {  // false: connection broken
        while (c.sent < c.out.size()) {
            ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
            if (n > 0)
                c.sent += static_cast<std::size_t>(n);
            else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return true;
            else if (n < 0 && errno == EINTR)
                continue;
            else
                return false;
        }
        return true;
    };
    auto start_next = [&](Conn& c) {
        if (stopping) return;
        if (Clock::now() >= deadline || (o.max_requests >= 0 && issued >= o.max_requests)) {
            stopping = true;
            return;
        }
        build_request(o, c.id, next_seq, c.out);
        next_seq += o.batch;
        ++issued;
        c.sent = 0;
        c.busy = true;
        c.started = Clock::now();
        (void)flush(c);  // EPOLLOUT (edge) resumes a partial write
    };
    auto reconnect = [&](Conn& c) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.in.clear();
        c.busy = false;
        ++reconnects;
        if (stopping || Clock::now() >= deadline) {
            c.fd = -1;
            return;
        }
        c.fd = connect_to(o);
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
        ev.data.u32 = static_cast<std::uint32_t>(c.id);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
        start_next(c);
    };

    for (auto& c : conns) start_next(c);

    std::vector<epoll_event> events(static_cast<std::size_t>(o.connections));
    std::string body;
    char rbuf[65536];
    for (;;) {
        long long inflight = 0;
        for (auto& c : conns) inflight += c.busy ? 1 : 0;
        if (inflight == 0 && (stopping || Clock::now() >= deadline)) break;
        if (Clock::now() >= grace_deadline) {
            std::fprintf(stderr, "loadgen: %lld request(s) still unanswered 60 s after the end\n",
                         inflight);
            break;
        }
        int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 200);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait");
        if (!stopping && Clock::now() >= deadline) stopping = true;
        for (int k = 0; k < n; ++k) {
            Conn& c = conns[events[k].data.u32];
            if (c.fd < 0) continue;
            const auto evs = events[k].events;
            if ((evs & EPOLLOUT) && c.busy && !flush(c)) {
                ++errors;
                if (sample_error.empty()) sample_error = "send failed";
                reconnect(c);
                continue;
            }
            if (!(evs & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) continue;
            bool closed = false;
            for (;;) {
                ssize_t r = ::recv(c.fd, rbuf, sizeof rbuf, 0);
                if (r > 0)
                    c.in.append(rbuf, static_cast<std::size_t>(r));
                else if (r == 0) {
                    closed = true;
                    break;
                } else if (errno == EINTR)
                    continue;
                else if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                else {
                    closed = true;
                    break;
                }
            }
            bool must_close = false;
            for (;;) {
                int status = 0;
                bool close_after = false;
                std::size_t used = parse_response(c.in, status, close_after, body);
                if (used == 0) break;
                c.in.erase(0, used);
                if (!c.busy) die("response without a request");
                const auto now = Clock::now();
                latencies_us.push_back(static_cast<std::uint32_t>(
                    std::chrono::duration_cast<std::chrono::microseconds>(now - c.started)
                        .count()));
                last_done = now;
                c.busy = false;
                ++completed;
                ++by_status[status];
                if (status < 200 || status > 299) {
                    if (sample_error.empty())
                        sample_error = std::to_string(status) + " " + body.substr(0, 300);
                }
                if (close_after) {
                    must_close = true;
                    break;
                }
                start_next(c);
            }
            if (closed || must_close) {
                if (c.busy) {
                    ++errors;
                    if (sample_error.empty())
                        sample_error = "connection closed with a request in flight";
                }
                reconnect(c);
            }
        }
    }
    const double elapsed = std::chrono::duration<double>(last_done - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    long long ok = 0;
    for (auto& [s, n] : by_status)
        if (s >= 200 && s <= 299) ok += n;
    long long unanswered = 0;
    for (auto& c : conns) unanswered += c.busy ? 1 : 0;
    std::sort(latencies_us.begin(), latencies_us.end());
    auto pct = [&](double p) -> double {
        if (latencies_us.empty()) return 0;
        auto i = static_cast<std::size_t>(p * static_cast<double>(latencies_us.size() - 1));
        return latencies_us[i] / 1000.0;
    };
    const auto& P = o.prefix;
    std::printf("%sCONNECTIONS=%d\n%sBATCH=%d\n", P.c_str(), o.connections, P.c_str(), o.batch);
    std::printf("%sREQUESTS=%lld\n%sRESPONSES=%lld\n%sOK=%lld\n", P.c_str(), issued, P.c_str(),
                completed, P.c_str(), ok);
    std::printf("%sNON2XX=%lld\n%sERRORS=%lld\n%sUNANSWERED=%lld\n%sRECONNECTS=%lld\n", P.c_str(),
                completed - ok, P.c_str(), errors, P.c_str(), unanswered, P.c_str(), reconnects);
    std::printf("%sVALUES_ACKED=%lld\n", P.c_str(), ok * o.batch);
    std::printf("%sSECONDS=%.3f\n", P.c_str(), elapsed);
    std::printf("%sREQ_PER_S=%.0f\n%sVALUES_PER_S=%.0f\n", P.c_str(),
                elapsed > 0 ? ok / elapsed : 0.0, P.c_str(),
                elapsed > 0 ? static_cast<double>(ok) * o.batch / elapsed : 0.0);
    std::printf("%sP50_MS=%.2f\n%sP99_MS=%.2f\n%sMAX_MS=%.2f\n", P.c_str(), pct(0.5), P.c_str(),
                pct(0.99), P.c_str(), pct(1.0));
    std::printf("%sCLIENT_CPU_S=%.2f\n", P.c_str(), cpu);
    std::string statuses;
    for (auto& [s, n] : by_status)
        statuses += (statuses.empty() ? "" : ",") + std::to_string(s) + ":" + std::to_string(n);
    std::printf("%sSTATUSES='%s'\n", P.c_str(), statuses.c_str());
    if (!sample_error.empty()) {
        for (auto& ch : sample_error)
            if (ch == '\'' || ch == '\n') ch = ' ';
        std::printf("%sFIRST_ERROR='%s'\n", P.c_str(), sample_error.c_str());
    }
    return 0;
}
