#!/usr/bin/env python3
"""Review (实绩审核) and evidence (佐证材料) in the web console, in a real browser (issue 15,
docs/review.md): Debian's Chromium, headless, driven through chromium-driver with
python3-selenium, against the real indicatord on 127.0.0.1:0 with a real SQLite file, the review
test plan (tests/data/review: gdp_growth reviewed by 市统计局, scenic_5a by the office) and a test
clock at 2023-04-10 09:00 (Beijing time), when 2023-Q1 figures are due.

One daemon, one browser session, in order:
  市发改委 (fgw) opens the report form: gdp_growth 2023-Q1 has a file field; a file named .pdf
  whose bytes are HTML is refused inline (415), so is a file over evidence.max_file_bytes (first
  by the page's script, then by the server: 413); nothing is stored;
  fgw submits 2023-Q1 = 5.1 with a PDF and a PNG: the page says 已提交,待审核 and lists the files,
  the indicator's status does not change;
  市统计局 (tjj) signs in: the 审核 tab counts one value; the queue lists it (unit, value, note as
  text, days waiting, past review_due once the clock moves on) with its evidence, which downloads
  with the bytes sent; returning without a comment is refused; tjj returns it with a comment;
  fgw sees the comment on the report form and resubmits 6.5 with a PDF;
  tjj approves: only then the indicator's status changes;
  the indicator's page (the office) shows every step with who, when, comment and evidence links;
  an admin token sees its own scenic_5a value in the queue without approve / return forms.
Every page is screenshotted (PNG, under --out) and any JavaScript console error fails the test,
except the "Failed to load resource" of a page that is meant to answer 4xx.

Exit 0: passed; 1: failed; 77: skipped (no Chromium, chromedriver or selenium here: says why).
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

NOW = "2023-04-10T09:00:00+08:00"
LATER = "2023-04-17T09:00:00+08:00"
NOTE = '初步核算 <script>alert("x")</script> "><img src=x onerror=alert(1)>'
COMMENT = '请附统计局盖章的季度数据 <b>盖章</b> "><img src=x onerror=alert(2)>'
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
MAX_FILE = 4096


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def http(method, url, body=None, headers=None):
    """One request with urllib; (status, headers, body bytes). No redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--source", required=True, help="the repository (test data, calendars)")
    ap.add_argument("--out", required=True, help="folder for the screenshots")
    args = ap.parse_args()

    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError as e:
        print(f"SKIP: python3-selenium is not installed ({e}): "
              "bash scripts/install-deps.sh --test installs it")
        return 77
    chromium = shutil.which("chromium")
    driver_bin = shutil.which("chromedriver")
    if not chromium or not driver_bin:
        print("SKIP: chromium or chromedriver is not installed: "
              "bash scripts/install-deps.sh --test installs them")
        return 77

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    src = pathlib.Path(args.source).resolve()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="indicatord-review-browser-"))
    daemon = None
    browser = None
    try:
        config = tmp / "indicatord.yaml"
        config.write_text(
            f"listen: 127.0.0.1:0\n"
            f"database: {tmp / 'indicatord.db'}\n"
            f"rules: {src / 'tests/data/review'}\n"
            f"calendars: {src / 'config/calendars'}\n"
            "auth:\n"
            f"  tokens_file: {tmp / 'tokens.yaml'}\n"
            "  read_requires_token: true\n"
            "  read_scope: unit\n"
            "  read_all_units: [dcs]\n"
            "evidence:\n"
            f"  max_file_bytes: {MAX_FILE}\n"
            "  max_files: 4\n"
            "web:\n"
            "  public_read: false\n")
        tokens = {}
        for tid, who in (("fgw-web", ["--unit", "fgw"]), ("tjj-web", ["--unit", "tjj"]),
                         ("dcs-web", ["--unit", "dcs"]), ("liandu-web", ["--unit", "liandu"]),
                         ("ops-web", ["--admin"])):
            r = subprocess.run([args.ctl, "token", "create", str(config), *who, "--id", tid],
                               capture_output=True, text=True)
            check(r.returncode == 0, f"indicatorctl token create {tid}: {r.stdout}{r.stderr}")
            tokens[tid] = r.stdout.strip().splitlines()[-1]
        admin = {"Authorization": "Bearer " + tokens["ops-web"]}

        files = {}
        for name, content in (("统计报表.pdf", PDF), ("现场照片.png", PNG),
                              ("伪装的报告.pdf", HTML), ("太大的报告.pdf", PDF + b"0" * MAX_FILE),
                              ("更正报表.pdf", PDF)):
            files[name] = tmp / name
            files[name].write_bytes(content)

        log_out = open(tmp / "daemon.out", "w")
        log_err = open(tmp / "daemon.err", "w")
        daemon = subprocess.Popen(
            [args.daemon, "--config", str(config), "--test-clock", "--now", NOW],
            stdout=log_out, stderr=log_err)
        deadline = time.monotonic() + 30
        base = None
        while time.monotonic() < deadline and base is None:
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", (tmp / "daemon.out").read_text())
            if m:
                base = m.group(1)
            elif daemon.poll() is not None:
                fail("indicatord exited: " + (tmp / "daemon.err").read_text())
            else:
                time.sleep(0.05)
        check(base, "indicatord did not say where it listens within 30 s")

        def api(method, path, body=None):
            status, _, data = http(method, base + path, body,
                                   {**admin, "Content-Type": "application/json"} if body else admin)
            return status, json.loads(data)

        def indicator_status():
            status, doc = api("GET", "/api/v1/indicators/gdp_growth")
            check(status == 200, f"GET gdp_growth: {status} {doc}")
            return doc["status"], doc["reason"]

        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1280,1000", "--lang=zh-CN"):
            options.add_argument(a)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            browser = webdriver.Chrome(service=Service(executable_path=driver_bin), options=options)
        except Exception as e:  # the reason goes into the report
            print(f"SKIP: headless Chromium does not start here: {e}")
            return 77
        browser.set_page_load_timeout(30)
        refused_pages = set()  # pages meant to answer 4xx: their load error is expected
        shots = []

        def console_errors():
            errors = []
            for entry in browser.get_log("browser"):
                if entry["level"] != "SEVERE":
                    continue
                msg = entry["message"]
                if "Failed to load resource" in msg and any(msg.startswith(u) for u in refused_pages):
                    continue
                errors.append(msg)
            return errors

        def shot(name):
            path = out / f"{len(shots) + 1:02d}-{name}.png"
            browser.save_screenshot(str(path))
            shots.append(path)
            errors = console_errors()
            check(not errors, f"JavaScript console errors on {browser.current_url}: {errors}")
            check(not browser.find_elements(By.CSS_SELECTOR, "main img, main script"),
                  f"user text became an element on {browser.current_url}")

        def doc_shot(name, height):
            """A smaller screenshot of the page as it is, for docs/web/ (docs/review.md)."""
            browser.set_window_size(1280, height)
            browser.save_screenshot(str(out / name))
            browser.set_window_size(1280, 1000)

        def submit(button):
            """Clicks a form's button and waits (with a deadline) for the next page to load."""
            old = browser.find_element(By.TAG_NAME, "html")
            button.click()
            WebDriverWait(browser, 15).until(
                lambda b: old.id != b.find_element(By.TAG_NAME, "html").id
                and b.execute_script("return document.readyState") == "complete")

        def text(css):
            return browser.find_element(By.CSS_SELECTOR, css).text

        def sign_in(tid):
            if browser.find_elements(By.CSS_SELECTOR, "header form button"):
                submit(browser.find_element(By.CSS_SELECTOR, "header form button"))
            browser.get(base + "/signin")
            browser.find_element(By.ID, "token").send_keys(tokens[tid])
            submit(browser.find_element(By.CSS_SELECTOR, "#signin button"))
            check(tid.split("-")[0] in text("#signed-in") or "管理员" in text("#signed-in"),
                  f"signed in as {tid}: " + text("#signed-in"))

        def owed_form():
            forms = browser.find_elements(
                By.CSS_SELECTOR, 'form.owed-form[data-key="gdp_growth"][data-period="2023-Q1"]')
            check(forms, "the report form lists gdp_growth 2023-Q1: "
                  + browser.find_element(By.TAG_NAME, "main").text[:600])
            return forms[0]

        def fill(form, value, note, names):
            form.find_element(By.NAME, "value").send_keys(value)
            form.find_element(By.NAME, "note").send_keys(note)
            form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(
                "\n".join(str(files[n]) for n in names))

        def nothing_pending():
            status, doc = api("GET", "/api/v1/reviews")
            return status == 200 and not doc["reviews"]

        before, _ = indicator_status()

        # 市发改委: the report form has a file field for the reviewed indicator.
        sign_in("fgw-web")
        check(not browser.find_elements(By.ID, "nav-reviews"),
              "a unit that reviews nothing has no 审核 tab")
        browser.get(base + "/report")
        form = owed_form()
        check(form.get_attribute("enctype") == "multipart/form-data",
              "a reviewed indicator's form is sent as multipart/form-data")
        field = form.find_element(By.CSS_SELECTOR, "input[type=file]")
        check(field.get_attribute("multiple") is not None and ".pdf" in field.get_attribute("accept")
              and ".docx" in field.get_attribute("accept"), "the file field takes several files")
        check("须经 市统计局 审核" in form.text, "the form says who reviews: " + form.text)

        # A file named .pdf whose bytes are HTML: refused inline, in the API's words (415).
        refused_pages.add(base + "/report")
        fill(form, "5.1", NOTE, ["统计报表.pdf", "伪装的报告.pdf"])
        submit(form.find_element(By.CSS_SELECTOR, "button"))
        message = text("#message")
        check("未保存" in message and "伪装的报告.pdf" in message and "HTML" in message
              and "judged by their content, not by their name" in message,
              "an HTML file named .pdf is refused with the API's reason: " + message)
        check(nothing_pending(), "a refused upload stores nothing")
        check(browser.find_elements(By.ID, "files-again"), "the page asks to choose the files again")
        shot("report-refused-html")

        # Over evidence.max_file_bytes: first the page's script stops it (nothing sent) ...
        form = owed_form()
        fill(form, "5.1", NOTE, ["太大的报告.pdf"])
        form.find_element(By.CSS_SELECTOR, "button").click()
        problem = WebDriverWait(browser, 10).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, "form.owed-form .file-problem"))
        check("more than the limit of 4096 bytes (evidence.max_file_bytes)" in problem[0].text,
              "the page stops a file over the limit: " + problem[0].text)
        shot("report-too-large-script")
        # ... and without the script's check the server answers 413 with the same words.
        browser.execute_script(
            "document.querySelectorAll('form.with-files').forEach(f => f.removeAttribute("
            "'data-max-file-bytes'))")
        submit(owed_form().find_element(By.CSS_SELECTOR, "button"))
        message = text("#message")
        check("未保存" in message and "太大的报告.pdf" in message
              and "more than the limit of 4096 bytes (evidence.max_file_bytes)" in message,
              "the server refuses a file over the limit (413): " + message)
        check(nothing_pending(), "a refused upload stores nothing")
        shot("report-too-large-server")

        # The value with a PDF and a PNG: submitted, awaiting review, the status unchanged.
        browser.get(base + "/report")
        form = owed_form()
        fill(form, "5.1", NOTE, ["统计报表.pdf", "现场照片.png"])
        shot("report-files-chosen")
        doc_shot("review-report.png", 640)
        submit(form.find_element(By.CSS_SELECTOR, "button"))
        message = text("#message")
        check("已提交,待审核" in message and "2023-Q1" in message and "已保存" not in message,
              "the confirmation says the value awaits review: " + message)
        listed = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#submitted-files a")]
        check(listed == ["统计报表.pdf", "现场照片.png"], f"the confirmation lists the files: {listed}")
        status, reason = indicator_status()
        check(status == before and "awaits review" in reason,
              f"a submitted value does not count: {before} -> {status} ({reason})")
        row = browser.find_elements(By.CSS_SELECTOR,
                                    '#submissions tr.submission.submitted[data-key="gdp_growth"]')
        check(row and "待审核" in row[0].text, "the report page lists the value as 待审核")
        check(not browser.find_elements(
            By.CSS_SELECTOR, 'form.owed-form[data-key="gdp_growth"][data-period="2023-Q1"]'),
            "a submitted period is not owed any more")
        shot("report-submitted")
        doc_shot("review-submitted.png", 640)
        # the unit may not decide its own value, even by posting the form itself (API's 403)
        _, doc = api("GET", "/api/v1/reviews")
        rid = doc["reviews"][0]["id"]
        csrf = browser.find_element(By.CSS_SELECTOR, "#report-form input[name=csrf]")
        form_headers = {"Cookie": "idt_session=" + browser.get_cookie("idt_session")["value"],
                        "Content-Type": "application/x-www-form-urlencoded"}
        status, _, data = http("POST", f"{base}/reviews/{rid}/approve",
                               "csrf=" + csrf.get_attribute("value"), form_headers)
        check(status == 403 and "is for 市统计局 (tjj) to decide" in data.decode(),
              f"a unit may not approve a value it is not the reviewer of: {status}")
        check(not nothing_pending(), "the refused decision decided nothing")

        # 市统计局, a week later: its queue, past review_due (3 working days).
        status, _ = api("POST", "/-/clock", json.dumps({"now": LATER}))
        check(status == 200, f"moving the test clock: {status}")
        sign_in("tjj-web")
        tab = browser.find_elements(By.ID, "nav-reviews")
        check(tab and "1" in tab[0].text, "the 审核 tab counts one value: "
              + (tab[0].text if tab else "none"))
        submit(tab[0])
        rows = browser.find_elements(By.CSS_SELECTOR, "#review-queue tr.review-row")
        check(len(rows) == 1, f"one value in tjj's queue, got {len(rows)}")
        cells = rows[0].find_elements(By.TAG_NAME, "td")
        check(cells[0].text == "市发改委" and "gdp_growth" in cells[1].text
              and cells[2].text == "2023-Q1" and cells[3].text.startswith("5.1"),
              "the queue row: " + rows[0].text)
        check(cells[4].text == NOTE, f"the note shows as text: {cells[4].text!r}")
        check("已等待 7 天" in cells[6].text and "超过审核时限" in cells[6].text,
              "days waiting and past review_due: " + cells[6].text)
        links = rows[0].find_elements(By.CSS_SELECTOR, "a.evidence-link")
        check([a.text for a in links] == ["统计报表.pdf", "现场照片.png"],
              f"links to each evidence file: {[a.text for a in links]}")
        session = {"Cookie": "idt_session=" + browser.get_cookie("idt_session")["value"]}
        for a, body, ctype in zip(links, (PDF, PNG), ("application/pdf", "image/png")):
            status, headers, data = http("GET", a.get_attribute("href"), headers=session)
            check(status == 200 and data == body and headers.get("Content-Type") == ctype
                  and headers.get("Content-Disposition", "").startswith("attachment")
                  and "UTF-8''" in headers.get("Content-Disposition", ""),
                  f"the evidence downloads as sent: {status} {headers}")
        status, _, _ = http("GET", links[0].get_attribute("href"))
        check(status == 303, f"evidence needs a session: {status}")
        shot("review-queue")
        doc_shot("review-queue.png", 620)

        # Returning needs a comment (the browser's required, then the API's check) ...
        browser.execute_script(
            "document.querySelector('form.return-form textarea').removeAttribute('required')")
        refused_pages.add(base + "/reviews")
        submit(browser.find_element(By.CSS_SELECTOR, "form.return-form button"))
        check("returning a value needs a comment" in text("#message"),
              "returning without a comment is refused: " + text("#message"))
        shot("review-return-no-comment")
        # ... then returned with one.
        form = browser.find_element(By.CSS_SELECTOR, "form.return-form")
        form.find_element(By.NAME, "comment").send_keys(COMMENT)
        submit(form.find_element(By.CSS_SELECTOR, "button"))
        check("已退回" in text("#message"), "the queue says the value was returned: "
              + text("#message"))
        check(browser.find_elements(By.ID, "queue-empty"), "the queue is empty after returning")
        check(indicator_status()[0] == before, "a returned value does not count")
        shot("review-returned")

        # 市发改委 sees the comment on the report form, and reports again.
        sign_in("fgw-web")
        browser.get(base + "/report")
        form = owed_form()
        comment = form.find_elements(By.CSS_SELECTOR, ".returned-comment")
        check(comment and COMMENT in comment[0].text and "unit:tjj token:tjj-web" in comment[0].text,
              "the returned comment is on the form: " + (comment[0].text if comment else "none"))
        row = browser.find_elements(By.CSS_SELECTOR,
                                    '#submissions tr.submission.returned[data-key="gdp_growth"]')
        check(row and COMMENT in row[0].text, "the submissions table shows the return")
        shot("report-returned-comment")
        fill(form, "6.5", "盖章版", ["更正报表.pdf"])
        submit(form.find_element(By.CSS_SELECTOR, "button"))
        check("已提交,待审核" in text("#message"), "resubmitted: " + text("#message"))
        check(indicator_status()[0] == before, "the resubmitted value does not count yet")
        shot("report-resubmitted")

        # 市统计局 approves: only now the status changes.
        sign_in("tjj-web")
        browser.get(base + "/reviews")
        rows = browser.find_elements(By.CSS_SELECTOR, "#review-queue tr.review-row")
        check(len(rows) == 1 and "6.5" in rows[0].text, "the new value is in the queue")
        form = rows[0].find_element(By.CSS_SELECTOR, "form.approve-form")
        form.find_element(By.NAME, "comment").send_keys("核实无误")
        submit(form.find_element(By.CSS_SELECTOR, "button"))
        check("已通过" in text("#message") and "第 1 次修订" in text("#message"),
              "the queue says the value was approved: " + text("#message"))
        after, reason = indicator_status()
        check(after != before and "awaits review" not in reason,
              f"the status changes once approved: {before} -> {after} ({reason})")
        check(not browser.find_elements(By.ID, "nav-reviews")
              or "1" not in text("#nav-reviews"), "nothing left to count")
        shot("review-approved")
        # another unit may not download the evidence (read_scope: unit), in words
        _, doc = api("GET", "/api/v1/indicators/gdp_growth/reviews")
        evidence = f"{base}/evidence/{doc['submissions'][0]['evidence'][0]['id']}"
        sign_in("liandu-web")
        check(not browser.find_elements(By.ID, "nav-reviews"), "liandu reviews nothing: no tab")
        refused_pages.add(evidence)
        browser.get(evidence)
        check("may not read indicator 'gdp_growth'" in text("#message"),
              "another unit may not download the evidence: " + text("#message"))
        shot("evidence-refused-liandu")
        # the reviewing unit reads the page of what it reviews (read_scope: unit), steps included
        sign_in("tjj-web")
        browser.get(base + "/indicators/gdp_growth")
        check(browser.find_elements(By.CSS_SELECTOR, "#review-steps tr.review-step"),
              "a unit reviewer reads the indicator's page and its review steps")

        # The office reads the indicator's page: every step with who, when, comment, evidence.
        sign_in("dcs-web")
        check(browser.find_elements(By.ID, "nav-reviews"), "the office always has the 审核 tab")
        browser.get(base + "/indicators/gdp_growth")
        check(browser.find_element(By.ID, "indicator-status").get_attribute("data-status") == after,
              "the indicator page shows the approved status")
        steps = browser.find_elements(By.CSS_SELECTOR, "#review-steps tr.review-step")
        actions = [s.get_attribute("class").split()[-1] for s in steps]
        check(actions == ["submitted", "returned", "submitted", "approved"],
              f"every review step in order: {actions}")
        returned = steps[1].find_elements(By.TAG_NAME, "td")
        check(returned[2].text == "退回" and returned[4].text == "unit:tjj token:tjj-web"
              and returned[5].text == COMMENT, "the return with who and comment: " + steps[1].text)
        check(re.match(r"2023-04-17 \d\d:\d\d", returned[0].text), "when: " + returned[0].text)
        check([a.text for a in steps[0].find_elements(By.CSS_SELECTOR, "a.evidence-link")]
              == ["统计报表.pdf", "现场照片.png"], "the first submission's files")
        check([a.text for a in steps[2].find_elements(By.CSS_SELECTOR, "a.evidence-link")]
              == ["更正报表.pdf"], "the second submission's file")
        check("核实无误" in steps[3].text and "unit:tjj token:tjj-web" in steps[3].text,
              "the approval with who and comment: " + steps[3].text)
        href = steps[2].find_element(By.CSS_SELECTOR, "a.evidence-link").get_attribute("href")
        session = {"Cookie": "idt_session=" + browser.get_cookie("idt_session")["value"]}
        status, _, data = http("GET", href, headers=session)
        check(status == 200 and data == PDF, f"the office downloads the evidence: {status}")
        check(browser.find_elements(By.CSS_SELECTOR, "#history tr.revision"),
              "the approved value is a revision in the history")
        browser.execute_script("document.getElementById('history').scrollIntoView()")
        shot("indicator-review-steps")
        browser.set_window_size(1280, 600)
        browser.execute_script("document.getElementById('reviews').scrollIntoView()")
        browser.save_screenshot(str(out / "review-indicator.png"))
        browser.set_window_size(1280, 1000)

        # An admin token's own value: in its queue, but without approve / return.
        status, doc = api("POST", "/api/v1/values", json.dumps(
            {"values": [{"indicator": "scenic_5a", "period": "2023", "value": 1,
                         "note": "已创成"}]}))
        check(status == 200 and doc["values"][0]["state"] == "submitted", f"scenic_5a: {doc}")
        sign_in("ops-web")
        browser.get(base + "/reviews")
        rows = browser.find_elements(By.CSS_SELECTOR, '#review-queue tr.review-row[data-key="scenic_5a"]')
        check(rows and "本单位报送,不能自审" in rows[0].text
              and not rows[0].find_elements(By.TAG_NAME, "form"),
              "no approve / return on one's own value: " + (rows[0].text if rows else "none"))
        shot("review-own-value")
        sign_in("dcs-web")
        browser.get(base + "/reviews")
        rows = browser.find_elements(By.CSS_SELECTOR, '#review-queue tr.review-row[data-key="scenic_5a"]')
        check(rows and rows[0].find_elements(By.CSS_SELECTOR, "form.approve-form"),
              "the office (read_all_units) reviews the admin's achievement")
        shot("review-office")

        # A POST to a decision without the CSRF token is refused.
        session = {"Cookie": "idt_session=" + browser.get_cookie("idt_session")["value"],
                   "Content-Type": "application/x-www-form-urlencoded"}
        rid = rows[0].get_attribute("data-id")
        status, _, _ = http("POST", f"{base}/reviews/{rid}/approve", "comment=x", session)
        check(status == 403, f"a decision without the CSRF token: {status}")
        check(not nothing_pending(), "the refused decision decided nothing")

        print(f"passed: {len(shots)} screenshots in {out}")
        return 0
    finally:
        if browser is not None:
            browser.quit()
        if daemon is not None:
            daemon.terminate()
            try:
                daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                daemon.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
