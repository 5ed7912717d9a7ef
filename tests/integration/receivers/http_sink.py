#!/usr/bin/python3
"""A real HTTP receiver for webhook integration tests (python3 http.server, one thread per
request).

Each request is appended to --log as one JSON line {"method", "path", "headers": [[name, value],
...], "body"} before it is answered, so a client that got its answer finds its request logged.
It listens on 127.0.0.1:--port (0: any free port) and writes the port it got to --ready-file
once it accepts connections.

The answer: --status/--body/--delay (defaults 200, {"errcode":0,"errmsg":"ok"}, 0 s) for the
first --first requests (default: all), then 200 with the default body. A --control file, when
it exists, overrides all of that per request: {"status": 503, "body": "...", "delay": 0}.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK_BODY = '{"errcode":0,"errmsg":"ok"}'


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log", required=True)
    p.add_argument("--ready-file", required=True)
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--body", default=OK_BODY)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--first", type=int, default=-1, help="answer --status/--body this many times")
    p.add_argument("--control")
    a = p.parse_args()

    lock = threading.Lock()
    seen = [0]

    def answer_for(n):
        if a.control and os.path.exists(a.control):
            with open(a.control, encoding="utf-8") as f:
                c = json.load(f)
            return c.get("status", 200), c.get("body", OK_BODY), float(c.get("delay", 0))
        if a.first < 0 or n <= a.first:
            return a.status, a.body, a.delay
        return 200, OK_BODY, 0.0

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length) if length else b""
            record = {"method": self.command, "path": self.path,
                      "headers": [[k, v] for k, v in self.headers.items()],
                      "body": body.decode("utf-8", errors="replace")}
            with lock:
                seen[0] += 1
                n = seen[0]
                with open(a.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
            status, text, delay = answer_for(n)
            if delay:
                time.sleep(delay)
            data = text.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        do_POST = do_GET = do_PUT = handle_any

        def log_message(self, fmt, *args):
            sys.stderr.write("http_sink: " + (fmt % args) + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    with open(a.ready_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(a.ready_file + ".tmp", a.ready_file)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
