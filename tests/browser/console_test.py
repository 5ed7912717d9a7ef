#!/usr/bin/env python3
"""The web console in a real browser (issue 12, docs/web.md): Debian's Chromium, headless,
driven through chromium-driver with python3-selenium, against the real indicatord on
127.0.0.1:0 with a real SQLite file, the Lishui 2023 plan and a test clock at 2023-05-10 09:00
(Beijing time), when 2023-Q1 statistics are overdue.

One daemon, one browser session, in order:
  signed out: the board redirects to the sign-in page; a wrong token is refused;
  市发改委 (fgw) signs in with its API token, opens its desk, reports gdp_growth for 2023-Q1
  through the report form with a note holding <script> and "><img onerror>; the board shows the
  new status; the indicator page shows the revision, the note as text;
  fgw acknowledges an alert with a comment on its desk and the API shows the acknowledgement;
  fgw chooses a CSV file in the report page, previews it (nothing stored), then commits it;
  市经信局 (jxj) signs in: the same report is refused and the page says why;
  a signed-out POST and a POST without the CSRF token are refused.
Every page is screenshotted (PNG, under --out) and any JavaScript console error fails the test,
except the "Failed to load resource" of a page that is meant to answer 401 or 403.

Exit 0: passed; 1: failed; 77: skipped (no Chromium, chromedriver or selenium here: says why).
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

NOW = "2023-05-10T09:00:00+08:00"
NOTE = '初步核算 <script>alert("x")</script> "><img src=x onerror=alert(1)>'


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def http(method, url, body=None, headers=None):
    """One request with urllib; (status, headers, body text). No redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--source", required=True, help="the repository (rules, calendars)")
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
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="indicatord-browser-"))
    daemon = None
    browser = None
    try:
        config = tmp / "indicatord.yaml"
        config.write_text(
            f"listen: 127.0.0.1:0\n"
            f"database: {tmp / 'indicatord.db'}\n"
            f"rules: {src / 'rules/lishui-2023'}\n"
            f"calendars: {src / 'config/calendars'}\n"
            "auth:\n"
            f"  tokens_file: {tmp / 'tokens.yaml'}\n"
            "  read_requires_token: true\n"
            "  read_scope: unit\n"
            "  read_all_units: [dcs]\n"
            "web:\n"
            "  public_read: false\n")
        tokens = {}
        for tid, who in (("fgw-web", ["--unit", "fgw"]), ("jxj-web", ["--unit", "jxj"]),
                         ("ops-web", ["--admin"])):
            r = subprocess.run([args.ctl, "token", "create", str(config), *who, "--id", tid],
                               capture_output=True, text=True)
            check(r.returncode == 0, f"indicatorctl token create {tid}: {r.stdout}{r.stderr}")
            tokens[tid] = r.stdout.strip().splitlines()[-1]

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
        admin = {"Authorization": "Bearer " + tokens["ops-web"]}

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
        refused_pages = set()  # pages meant to answer 401/403: their load error is expected
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

        def submit(button):
            """Clicks a form's button and waits (with a deadline) for the next page to load."""
            old = browser.find_element(By.TAG_NAME, "html")
            button.click()
            WebDriverWait(browser, 15).until(
                lambda b: old.id != b.find_element(By.TAG_NAME, "html").id
                and b.execute_script("return document.readyState") == "complete")

        def text(css):
            return browser.find_element(By.CSS_SELECTOR, css).text

        def submit_signin(token):
            browser.get(base + "/signin")
            browser.find_element(By.ID, "token").send_keys(token)
            submit(browser.find_element(By.CSS_SELECTOR, "#signin button"))

        # Signed out: the board sends to the sign-in page.
        browser.get(base + "/")
        check(browser.current_url.startswith(base + "/signin"),
              f"signed out, / should redirect to /signin, got {browser.current_url}")
        shot("signin")
        refused_pages.add(base + "/signin")
        submit_signin("idt_fgw-web_wrong")
        check("the API token is not valid" in text("#message"),
              "a wrong token should be refused in the API's words: " + text("#message"))

        # 市发改委 signs in and lands on its desk.
        submit_signin(tokens["fgw-web"])
        check(browser.current_url == base + "/units/fgw", f"after sign-in: {browser.current_url}")
        cookie = browser.get_cookie("idt_session")
        check(cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict",
              f"the session cookie must be HttpOnly and SameSite=Strict: {cookie}")
        check("市发改委" in text("#signed-in"), "the header should name the signed-in unit")
        row = browser.find_elements(By.CSS_SELECTOR,
                                    'tr.owed.overdue[data-key="gdp_growth"][data-period="2023-Q1"]')
        check(row, "the desk should list gdp_growth 2023-Q1 as overdue")
        check(re.search(r"逾期 \d+ 天", row[0].text), "overdue rows say the days overdue: " + row[0].text)
        shot("desk-fgw")

        browser.get(base + "/")
        before = browser.find_element(By.CSS_SELECTOR, '.ind[data-key="gdp_growth"]').text
        check("overdue" in before, "before the report gdp_growth is overdue on the board: " + before)

        # The report form: gdp_growth 2023-Q1 = 4.9, with a hostile note.
        browser.get(base + "/report")
        form = browser.find_element(By.CSS_SELECTOR,
                                    'form.owed-form[data-key="gdp_growth"][data-period="2023-Q1"]')
        form.find_element(By.NAME, "value").send_keys("4.9")
        form.find_element(By.NAME, "note").send_keys(NOTE)
        submit(form.find_element(By.CSS_SELECTOR, "button"))
        message = text("#message")
        check("已保存" in message and "2023-Q1" in message and "第 1 次修订" in message,
              "the confirmation should follow the commit: " + message)
        shot("report-saved")
        status, _, body = http("GET", base + "/api/v1/indicators/gdp_growth/values", headers=admin)
        stored = json.loads(body)["values"]
        check(status == 200 and len(stored) == 1 and stored[0]["value"] == 4.9
              and stored[0]["note"] == NOTE and stored[0]["reporter"] == "unit:fgw token:fgw-web",
              f"the API should hold the report as sent: {status} {body}")
        new_status = json.loads(http("GET", base + "/api/v1/indicators/gdp_growth",
                                     headers=admin)[2])["status"]
        check(new_status != "overdue", "after the report gdp_growth is no longer overdue")

        browser.get(base + "/")
        after = browser.find_element(By.CSS_SELECTOR, '.ind[data-key="gdp_growth"]').text
        check(new_status in after and "overdue" not in after,
              f"the board should show the new status {new_status}: {after}")
        shot("board-after-report")

        browser.get(base + "/indicators/gdp_growth")
        check(browser.find_element(By.ID, "indicator-status").get_attribute("data-status") == new_status,
              "the indicator page shows the new status")
        rev = browser.find_elements(By.CSS_SELECTOR, "#history tr.revision")
        check(len(rev) == 1, f"one revision in the history, got {len(rev)}")
        cells = rev[0].find_elements(By.TAG_NAME, "td")
        check(cells[0].text == "2023-Q1" and cells[1].text == "1" and cells[2].text == "4.9",
              "the revision row: " + rev[0].text)
        check(cells[3].text == NOTE, f"the note must show as text: {cells[3].text!r}")
        check(not browser.find_elements(By.CSS_SELECTOR, "main img, main script"),
              "the note must not become an element")
        check("unit:fgw token:fgw-web" in cells[5].text, "the reporter is shown")
        check(browser.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar"), "the chart has a bar")
        shot("indicator-gdp_growth")

        # Acknowledge one of fgw's firing alerts with a comment.
        browser.get(base + "/units/fgw")
        forms = browser.find_elements(By.CSS_SELECTOR, "tr.alert form.ack-form")
        check(forms, "the desk should offer to acknowledge fgw's firing alerts")
        row = forms[0].find_element(By.XPATH, "./ancestor::tr")
        fingerprint = row.get_attribute("data-fingerprint")
        forms[0].find_element(By.NAME, "comment").send_keys("已安排专人报送 <b>")
        submit(forms[0].find_element(By.CSS_SELECTOR, "button"))
        check(browser.current_url.startswith(base + "/units/fgw"), "back on the desk after acknowledging")
        acked = browser.find_element(By.CSS_SELECTOR, f'tr.alert[data-fingerprint="{fingerprint}"]').text
        check("已确认" in acked and "已安排专人报送 <b>" in acked, "the desk shows the acknowledgement: " + acked)
        alerts = json.loads(http("GET", base + "/api/v1/alerts", headers=admin)[2])["alerts"]
        mine = [a for a in alerts if a["fingerprint"] == fingerprint]
        check(mine and mine[0].get("acknowledged", {}).get("comment") == "已安排专人报送 <b>"
              and mine[0]["acknowledged"]["by"] == "unit:fgw token:fgw-web",
              f"the API shows the acknowledgement: {mine}")
        shot("desk-acknowledged")
        browser.get(base + "/alerts")
        check(browser.find_elements(By.CSS_SELECTOR, f'tr.alert[data-fingerprint="{fingerprint}"]'),
              "the 提醒 page lists fgw's acknowledged alert")
        shot("alerts-fgw")

        # A CSV file chosen in the report page (read by console.js), previewed, then committed.
        csv_file = tmp / "values.csv"
        csv_file.write_text("indicator,period,value,note\ncpi_increase,2023-Q1,2.1,CSV 上传\n",
                            encoding="utf-8")
        browser.get(base + "/report")
        browser.find_element(By.ID, "csv-file").send_keys(str(csv_file))
        WebDriverWait(browser, 10).until(
            lambda b: "cpi_increase" in b.find_element(By.ID, "csv").get_attribute("value"))
        submit(browser.find_element(By.ID, "csv-preview"))
        preview = browser.find_elements(By.CSS_SELECTOR, "#preview tr.preview-row")
        check(preview, "no CSV preview: " + browser.find_element(By.TAG_NAME, "main").text[:600])
        check(len(preview) == 1 and "cpi_increase" in preview[0].text and "可提交" in preview[0].text,
              "the CSV preview lists the row: " + (preview[0].text if preview else "none"))
        check(not json.loads(http("GET", base + "/api/v1/indicators/cpi_increase/values",
                                  headers=admin)[2])["values"], "a preview stores nothing")
        shot("report-csv-preview")
        submit(browser.find_element(By.CSS_SELECTOR, "#csv-commit button"))
        check("已保存" in text("#message") and "cpi_increase" in text("#message"),
              "the CSV is stored after confirming: " + text("#message"))
        stored = json.loads(http("GET", base + "/api/v1/indicators/cpi_increase/values",
                                 headers=admin)[2])["values"]
        check(len(stored) == 1 and stored[0]["value"] == 2.1 and stored[0]["note"] == "CSV 上传",
              f"the API holds the CSV's value: {stored}")

        # An Excel workbook chosen in the same place: console.js sends it to /report/xlsx (CSRF
        # header, connect-src 'self'), the first sheet comes back as the form's CSV text.
        import openpyxl
        book = openpyxl.Workbook()
        book.active.append(["指标", "期间", "数值", "备注"])
        book.active.append(["cpi_increase", "2023-Q1", 2.3, "Excel 上传"])
        xlsx_file = tmp / "values.xlsx"
        book.save(str(xlsx_file))
        browser.get(base + "/report")
        browser.find_element(By.ID, "csv-file").send_keys(str(xlsx_file))
        WebDriverWait(browser, 10).until(
            lambda b: "Excel 上传" in b.find_element(By.ID, "csv").get_attribute("value"))
        check("第一个工作表" in text("#file-status"), "the page says the workbook was read: "
              + text("#file-status"))
        submit(browser.find_element(By.ID, "csv-preview"))
        preview = browser.find_elements(By.CSS_SELECTOR, "#preview tr.preview-row")
        check(len(preview) == 1 and "2.3" in preview[0].text,
              "the workbook's row is previewed: " + (preview[0].text if preview else "none"))
        shot("report-xlsx-preview")
        submit(browser.find_element(By.CSS_SELECTOR, "#csv-commit button"))
        check("已保存" in text("#message"), "the workbook is stored after confirming: "
              + text("#message"))
        stored = json.loads(http("GET", base + "/api/v1/indicators/cpi_increase/values",
                                 headers=admin)[2])["values"]
        check(len(stored) == 2 and {v["value"] for v in stored} == {2.1, 2.3},
              f"the API holds the workbook's value as a new revision: {stored}")

        # On a phone-sized screen: the desk and the report page (tables become cards).
        browser.set_window_size(390, 844)
        for page, name in (("/units/fgw", "phone-desk"), ("/report", "phone-report")):
            browser.get(base + page)
            width = browser.execute_script("return document.documentElement.scrollWidth")
            check(width <= 400, f"{page} fits a phone screen: {width} px wide")
            shot(name)
        browser.set_window_size(1280, 1000)

        # Sign out; 市经信局 signs in and tries the same report: refused, and the page says why.
        submit(browser.find_element(By.CSS_SELECTOR, "header form button"))
        check(browser.current_url.startswith(base + "/signin"), "signed out: back to the sign-in page")
        check(browser.get_cookie("idt_session") is None, "signing out drops the session cookie")
        submit_signin(tokens["jxj-web"])
        check(browser.current_url == base + "/units/jxj", f"jxj's desk: {browser.current_url}")
        browser.get(base + "/report?indicator=gdp_growth&period=2023-Q1")
        browser.find_element(By.ID, "value").send_keys("5")
        refused_pages.add(base + "/report")
        submit(browser.find_element(By.ID, "submit"))
        message = text("#message")
        check("未保存" in message and "unit 'jxj' may not report indicator 'gdp_growth'" in message,
              "another unit's report is refused with the API's reason: " + message)
        shot("report-refused-jxj")
        refused_pages.add(base + "/indicators/gdp_growth")
        browser.get(base + "/indicators/gdp_growth")
        check("may not read indicator 'gdp_growth'" in text("#message"),
              "jxj may not read fgw's indicator (read_scope: unit)")
        shot("indicator-refused-jxj")

        # POSTs without a session, and without the CSRF token, are refused (and store nothing).
        form = "indicator=gdp_growth&period=2023-Q1&value=7"
        ctype = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, body = http("POST", base + "/report", form, ctype)
        check(status == 401 and "not signed in" in body, f"signed-out POST: {status}")
        session = browser.get_cookie("idt_session")["value"]
        status, _, body = http("POST", base + "/report", form,
                               {**ctype, "Cookie": "idt_session=" + session})
        check(status == 403 and "CSRF token is missing or wrong" in body, f"CSRF-less POST: {status}")
        status, headers, _ = http("GET", base + "/", headers={"Cookie": "idt_session=" + session})
        csp = headers.get("Content-Security-Policy", "")
        check(status == 200 and "script-src 'self'" in csp and "unsafe-inline" not in csp,
              f"the pages carry a CSP without inline scripts: {csp}")
        check(len(json.loads(http("GET", base + "/api/v1/indicators/gdp_growth/values",
                                  headers=admin)[2])["values"]) == 1,
              "the refused POSTs stored nothing")

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
