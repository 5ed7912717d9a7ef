#!/usr/bin/python3
"""A real SMTP server (aiosmtpd) for the integration tests.

Every accepted message is saved in --dir as N.eml (the DATA bytes exactly as received,
dot-stuffing undone) and N.json ({"mail_from", "rcpt_tos", "login"}), N counting from 1; the
.json is written last, so its presence means the message is complete. When the server answers,
--ready-file is written.

  --port P                 listen on 127.0.0.1:P
  --auth USER:PASSWORD     offer AUTH PLAIN/LOGIN (also without TLS) and require it before MAIL
  --reject-rcpt ADDR       answer RCPT TO:<ADDR> with 550 (repeatable)
  --fail-first N           answer the first N messages' DATA with 451 (a temporary failure)
  --tls-cert F --tls-key F with --starttls: offer STARTTLS and require it; with --smtps:
                           implicit TLS on connect

Needs Debian's python3-aiosmtpd: run it with /usr/bin/python3.
"""
import argparse
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, reject, fail_first=0):
        self.directory = directory
        self.reject = {r.lower() for r in reject}
        self.fail_first = fail_first
        self.failed = 0
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.failed < self.fail_first:
                self.failed += 1
                return "451 4.3.0 Temporary failure, try again later"
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, str(n))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "login": login}
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
        os.rename(base + ".json.tmp", base + ".json")
        return f"250 OK: queued as {n}"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--ready-file", required=True)
    p.add_argument("--auth")
    p.add_argument("--reject-rcpt", action="append", default=[])
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--starttls", action="store_true")
    mode.add_argument("--smtps", action="store_true")
    a = p.parse_args()

    kwargs = {}
    if a.auth:
        user, _, password = a.auth.partition(":")
        kwargs.update(authenticator=authenticator_for(user, password), auth_required=True,
                      auth_require_tls=False)
    if a.starttls or a.smtps:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.tls_cert, a.tls_key)
        if a.starttls:
            kwargs.update(tls_context=context, require_starttls=True)
        else:
            kwargs.update(ssl_context=context)

    os.makedirs(a.dir, exist_ok=True)
    controller = Controller(Sink(a.dir, a.reject_rcpt, a.fail_first), hostname="127.0.0.1", port=a.port, **kwargs)
    controller.start()  # returns once the server answers a connection
    with open(a.ready_file + ".tmp", "w") as f:
        f.write(str(a.port))
    os.rename(a.ready_file + ".tmp", a.ready_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
