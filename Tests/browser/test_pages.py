"""Real-browser checks of Lookout's pages: Chromium driven through its WebDriver.

Run by scripts/test against a live `lookout serve` (LOOKOUT_URL). Screenshots land in
.build/screenshots/ so that a person can look at what was tested.
"""
import os
import subprocess
import sys
import time
import unittest
from urllib.parse import urlparse, parse_qs

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ.get("LOOKOUT_URL", "http://127.0.0.1:8080")
SHOTS = os.environ.get("LOOKOUT_SCREENSHOTS", ".build/screenshots")
# `lookout demo` makes its demo users with this password (scripts/test sets it).
PASSWORD = os.environ.get("LOOKOUT_DEMO_PASSWORD", "")
DATABASE_URL = os.environ.get("LOOKOUT_BROWSER_DATABASE_URL", "")


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(flag)
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


class PagesInABrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.driver = make_driver()
        cls.driver.set_page_load_timeout(20)

        cls.user = None

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def setUp(self):
        # Most tests act as the demo admin; those that switch user sign in themselves.
        if type(self).user != "demo":
            self.sign_in("demo")

    def sign_in(self, name, password=None, expect_success=True):
        d = self.driver
        d.delete_all_cookies()
        d.get(BASE + "/sign-in")
        d.find_element(By.ID, "name").send_keys(name)
        d.find_element(By.ID, "password").send_keys(password if password is not None else PASSWORD)
        self.click(d.find_element(By.ID, "sign-in"))
        type(self).user = name if expect_success else None
        if expect_success:
            self.assertIn(name, d.find_element(By.ID, "signed-in-as").text)

    def click(self, element):
        """Clicks something that navigates, and waits until the new page replaced the old one."""
        html = self.driver.find_element(By.TAG_NAME, "html")
        element.click()

        def replaced(_):
            try:
                html.is_enabled()
                return False
            except WebDriverException:   # stale, or "node does not belong to the document"
                return True

        WebDriverWait(self.driver, 15).until(replaced)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def test_overview_has_navigation_health_cards_and_live_refresh(self):
        d = self.driver
        d.get(BASE + "/")
        self.assertTrue(d.current_url.endswith("/dashboard/system"), d.current_url)
        self.assertEqual(d.title, "System overview · Lookout")
        nav = [a.text for a in d.find_elements(By.CSS_SELECTOR, "nav.top li a")]
        self.assertEqual(nav, ["Overview", "Queues", "Infrastructure", "Logs", "Admin"])
        current = d.find_element(By.CSS_SELECTOR, "nav.top a[aria-current=page]")
        self.assertEqual(current.text, "Overview")
        cards = d.find_elements(By.CSS_SELECTOR, ".card.health")
        self.assertEqual([c.find_element(By.TAG_NAME, "h2").text for c in cards], ["PostgreSQL", "Redis"])
        for card in cards:
            self.assertIn("green", card.get_attribute("class"))
            self.assertRegex(card.find_element(By.CSS_SELECTOR, ".metric").text, r"^\d+\.\d\d ms$")
        refresh = d.find_elements(By.CSS_SELECTOR, "meta[http-equiv=refresh]")
        self.assertEqual(len(refresh), 1)
        self.assertEqual(refresh[0].get_attribute("content"), "5")
        # The stylesheet loaded: the nav bar is a flex row, not the browser default.
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "nav.top").value_of_css_property("display"), "flex")
        self.shot("overview-light")

    def test_refresh_can_be_paused_and_resumed_without_javascript(self):
        d = self.driver
        d.get(BASE + "/dashboard/system")
        toggle = d.find_element(By.ID, "refresh-toggle")
        self.assertEqual(toggle.text, "Pause")
        self.click(toggle)
        self.assertEqual(parse_qs(urlparse(d.current_url).query).get("refresh"), ["off"])
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "meta[http-equiv=refresh]"), [])
        self.assertIn("paused", d.find_element(By.CSS_SELECTOR, ".refresh").text)
        # Navigation keeps the pause.
        queues = d.find_element(By.LINK_TEXT, "Queues").get_attribute("href")
        self.assertTrue(queues.endswith("?refresh=off"), queues)
        self.click(d.find_element(By.ID, "refresh-toggle"))
        self.assertNotIn("refresh=off", d.current_url)
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "meta[http-equiv=refresh]")), 1)

    def test_page_works_with_javascript_disabled(self):
        d = self.driver
        d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        try:
            d.get(BASE + "/dashboard/system")
            self.click(d.find_element(By.ID, "refresh-toggle"))
            self.assertIn("refresh=off", d.current_url)
        finally:
            d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})

    def test_dark_mode_follows_the_system_setting(self):
        d = self.driver
        d.get(BASE + "/dashboard/system?refresh=off")
        light = d.find_element(By.TAG_NAME, "body").value_of_css_property("background-color")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        try:
            d.get(BASE + "/dashboard/system?refresh=off")
            dark = d.find_element(By.TAG_NAME, "body").value_of_css_property("background-color")
            self.shot("overview-dark")
        finally:
            d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        self.assertNotEqual(light, dark)
        self.assertEqual(dark, "rgba(13, 17, 23, 1)")

    def test_not_found_page_is_a_styled_page_with_the_request_id(self):
        d = self.driver
        d.get(BASE + "/dashboard/system/no-such-page")
        self.assertEqual(d.title, "404 Not Found · Lookout")
        self.assertIn("404", d.find_element(By.CSS_SELECTOR, ".status-code").text)
        footer = d.find_element(By.CSS_SELECTOR, "footer code").text
        self.assertRegex(footer, r"^[A-Za-z0-9._:-]+$")
        self.shot("not-found")

    def test_queue_console_lists_the_seed_queues_and_pauses_one(self):
        d = self.driver
        d.get(BASE + "/dashboard/system/queues")
        self.assertEqual(d.title, "Queues · Lookout")
        headers = [th.text for th in d.find_elements(By.CSS_SELECTOR, "table.queues th")]
        self.assertEqual(headers, ["QUEUE NAME", "ACTIVE", "WAITING", "COMPLETED (LAST HOUR)", "FAILED", "OLDEST WAITING", "ACTIONS"])
        names = [a.text for a in d.find_elements(By.CSS_SELECTOR, "a.queue-name")]
        self.assertEqual(sorted(names), sorted(["email-sending:high", "email-sending", "email-sending:low",
                                                "analytics:daily-aggregate", "warmup:process"]))
        row = d.find_element(By.CSS_SELECTOR, "tr[data-queue='email-sending:low']")
        self.click(row.find_element(By.XPATH, ".//button[text()='Pause']"))
        self.assertIn("Queue email-sending:low paused.", d.find_element(By.CSS_SELECTOR, ".flash").text)
        row = d.find_element(By.CSS_SELECTOR, "tr[data-queue='email-sending:low']")
        self.assertEqual(row.find_element(By.CSS_SELECTOR, ".badge.paused").text, "paused")
        self.shot("queues")
        self.click(row.find_element(By.XPATH, ".//button[text()='Resume']"))
        row = d.find_element(By.CSS_SELECTOR, "tr[data-queue='email-sending:low']")
        self.assertEqual(row.find_elements(By.CSS_SELECTOR, ".badge.paused"), [])
        # A reload shows no stale message: flash messages are shown once.
        d.get(BASE + "/dashboard/system/queues?refresh=off")
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, ".flash"), [])

    def test_open_a_failed_job_retry_it_and_see_it_leave_the_failed_list(self):
        d = self.driver
        queue = BASE + "/dashboard/system/queues/analytics%3Adaily-aggregate?status=failed&refresh=off"
        # The demo's analytics jobs fail twice ("Division by zero in MRR calculation"); wait for one.
        deadline = time.time() + 30
        while True:
            d.get(queue)
            links = d.find_elements(By.CSS_SELECTOR, "a.job-link")
            if links or time.time() > deadline:
                break
            time.sleep(1)
        self.assertTrue(links, "no failed analytics job appeared within 30 s")
        # Pause the queue first so that the demo workers cannot fail the retried job again meanwhile.
        d.get(BASE + "/dashboard/system/queues?refresh=off")
        self.click(d.find_element(By.CSS_SELECTOR, "tr[data-queue='analytics:daily-aggregate']").find_element(By.XPATH, ".//button[text()='Pause']"))
        d.get(queue)
        link = d.find_element(By.CSS_SELECTOR, "a.job-link")
        job_id = link.text
        self.click(link)
        self.assertEqual(d.title, f"Job {job_id} · Lookout")
        self.assertEqual(d.find_element(By.ID, "job-status").text, "failed")
        self.assertEqual(d.find_element(By.ID, "job-error").text, "Division by zero in MRR calculation")
        self.assertIn("ZeroDivisionError", d.find_element(By.CSS_SELECTOR, "pre.stack").text)
        self.shot("failed-job")
        self.click(d.find_element(By.ID, "retry"))
        self.click(d.find_element(By.ID, "confirm"))
        self.assertIn(f"Job {job_id} is waiting again", d.find_element(By.CSS_SELECTOR, ".flash").text)
        self.assertEqual(d.find_element(By.ID, "job-status").text, "waiting")
        d.get(queue)
        ids = [a.text for a in d.find_elements(By.CSS_SELECTOR, "a.job-link")]
        self.assertNotIn(job_id, ids)
        d.get(BASE + "/dashboard/system/queues?refresh=off")
        self.click(d.find_element(By.CSS_SELECTOR, "tr[data-queue='analytics:daily-aggregate']").find_element(By.XPATH, ".//button[text()='Resume']"))

    def test_health_json_is_readable_in_the_browser(self):
        d = self.driver
        d.get(BASE + "/health")
        self.assertIn('"status":"healthy"', d.find_element(By.TAG_NAME, "body").text)


    def test_signing_in_returns_to_the_page_asked_for(self):
        d = self.driver
        d.delete_all_cookies()
        type(self).user = None
        d.get(BASE + "/dashboard/system/queues?refresh=off")
        self.assertTrue(urlparse(d.current_url).path == "/sign-in", d.current_url)
        self.assertEqual(d.title, "Sign in · Lookout")
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "nav.top li"), [])
        d.find_element(By.ID, "name").send_keys("demo")
        d.find_element(By.ID, "password").send_keys("not-the-password")
        self.click(d.find_element(By.ID, "sign-in"))
        self.assertEqual(d.find_element(By.ID, "signin-error").text, "Wrong user name or password.")
        self.shot("sign-in-error")
        d.find_element(By.ID, "password").send_keys(PASSWORD)
        self.click(d.find_element(By.ID, "sign-in"))
        self.assertTrue(d.current_url.endswith("/dashboard/system/queues?refresh=off"), d.current_url)
        type(self).user = "demo"
        # The cookie is out of script's reach, and signing out ends the session.
        cookie = d.get_cookie("lookout_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Lax")
        self.click(d.find_element(By.ID, "sign-out"))
        self.assertEqual(urlparse(d.current_url).path, "/sign-in")
        self.assertEqual(d.find_element(By.CSS_SELECTOR, ".flash").text, "Signed out.")
        type(self).user = None
        d.get(BASE + "/dashboard/system/queues")
        self.assertEqual(urlparse(d.current_url).path, "/sign-in")

    def test_a_viewer_sees_everything_and_no_buttons(self):
        d = self.driver
        self.sign_in("viewer")
        d.get(BASE + "/dashboard/system/queues?refresh=off")
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "a.queue-name")), 5)
        self.assertEqual(d.find_elements(By.XPATH, "//button[text()='Pause' or text()='Resume']"), [])
        self.assertEqual(d.find_elements(By.LINK_TEXT, "Clear failed"), [])
        self.assertEqual(d.find_elements(By.LINK_TEXT, "Admin"), [])
        self.shot("queues-viewer")
        d.get(BASE + "/dashboard/admin/users")
        self.assertEqual(d.title, "403 Forbidden · Lookout")

    def test_a_tenant_operator_sees_only_its_tenant(self):
        d = self.driver
        self.sign_in("acme-ops")
        self.assertIn("tenant acme", d.find_element(By.ID, "signed-in-as").text)
        d.get(BASE + "/dashboard/system/queues/email-sending?status=waiting&refresh=off")
        links = d.find_elements(By.CSS_SELECTOR, "a.job-link")
        if not links:
            d.get(BASE + "/dashboard/system/queues/email-sending?status=completed&refresh=off")
            links = d.find_elements(By.CSS_SELECTOR, "a.job-link")
        self.assertTrue(links, "no acme jobs listed")
        self.click(links[0])
        self.assertEqual(d.find_element(By.ID, "job-tenant").text, "acme")
        # Pausing a queue shared by every tenant is not offered.
        d.get(BASE + "/dashboard/system/queues?refresh=off")
        self.assertEqual(d.find_elements(By.XPATH, "//button[text()='Pause']"), [])

    def test_an_admin_creates_a_token_sees_it_once_and_finds_it_in_the_audit_log(self):
        d = self.driver
        d.get(BASE + "/dashboard/admin/tokens")
        d.find_element(By.ID, "token-name").send_keys("browser-test")
        self.click(d.find_element(By.CSS_SELECTOR, "#create-token button"))
        token = d.find_element(By.ID, "new-token").text
        self.assertRegex(token, r"^lookout_[0-9a-f]{64}$")
        self.shot("token-created")
        d.get(BASE + "/dashboard/admin/tokens")
        self.assertEqual(d.find_elements(By.ID, "new-token"), [])
        self.assertIn("browser-test", d.find_element(By.ID, "tokens").text)
        self.assertNotIn(token, d.page_source)
        d.get(BASE + "/dashboard/admin/audit?refresh=off")
        self.assertIn("token.create", d.find_element(By.ID, "audit").text)
        self.shot("audit-log")

    def test_hostile_payload_is_shown_as_text_and_runs_nothing(self):
        d = self.driver
        if not DATABASE_URL:
            self.skipTest("LOOKOUT_BROWSER_DATABASE_URL not set")
        payload = '{"note": "<script>alert(1)</script>", "x": "\\"><img src=x onerror=alert(2)>", "url": "javascript:alert(3)"}'
        job_id = subprocess.run(
            ["psql", DATABASE_URL, "-qAt", "-v", "ON_ERROR_STOP=1", "-v", "payload=" + payload],
            input="INSERT INTO jobs (queue, tenant, payload, status, last_error) VALUES ('warmup:process', 'acme', :'payload'::jsonb,"
                  " 'failed', '<img src=x onerror=alert(4)>') RETURNING id;\n",
            check=True, capture_output=True, text=True).stdout.split()[0]
        d.get(BASE + f"/dashboard/system/jobs/{job_id}?refresh=off")
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "main img, main script, main svg"), [])
        self.assertEqual(d.find_element(By.ID, "job-error").text, "<img src=x onerror=alert(4)>")
        self.assertIn("<script>alert(1)</script>", d.find_element(By.CSS_SELECTOR, ".json").text)
        try:
            d.switch_to.alert
            self.fail("an alert opened")
        except NoAlertPresentException:
            pass
        self.shot("hostile-job")


    def test_seed_001_a_developer_traces_a_request_id_to_its_error(self):
        d = self.driver
        if not DATABASE_URL:
            self.skipTest("LOOKOUT_BROWSER_DATABASE_URL not set")
        sql = """
            SELECT ensure_log_partition((now() AT TIME ZONE 'UTC')::date);
            INSERT INTO log_lines (at, level, service, message, request_id, user_id, stack) VALUES
              (now() - interval '3 s', 'info', 'api', 'POST /v1/campaigns/42/send accepted', 'req-ticket-4711', 'ana@acme.example', NULL),
              (now() - interval '2 s', 'info', 'worker', 'rendering template black-friday-2026', 'req-ticket-4711', NULL, NULL),
              (now() - interval '1 s', 'error', 'worker', 'Template render failed: undefined variable first_name', 'req-ticket-4711', NULL,
               E'TemplateError: undefined variable first_name\\n  at render (templates/engine.py:212)\\n  at send_campaign (workers/campaigns.py:88)');
        """
        subprocess.run(["psql", DATABASE_URL, "-qAt", "-v", "ON_ERROR_STOP=1"], input=sql, check=True, capture_output=True, text=True)
        d.get(BASE + "/dashboard/system/logs")
        box = d.find_element(By.ID, "log-q")
        self.assertEqual(box.get_attribute("placeholder"), "Search logs (e.g., errors, user email, request ID)")
        box.send_keys("req-ticket-4711")
        self.click(d.find_element(By.ID, "log-submit"))
        rows = d.find_elements(By.CSS_SELECTOR, "#log-results details.log-row")
        self.assertEqual(len(rows), 3)
        # Filter to errors: the search stays, one line is left, and it is red.
        d.find_element(By.CSS_SELECTOR, "#log-level option[value=error]").click()
        self.click(d.find_element(By.ID, "log-submit"))
        self.assertIn("q=req-ticket-4711", d.current_url)
        self.assertIn("level=error", d.current_url)
        rows = d.find_elements(By.CSS_SELECTOR, "#log-results details.log-row")
        self.assertEqual(len(rows), 1)
        summary = rows[0].find_element(By.TAG_NAME, "summary")
        self.assertEqual(summary.value_of_css_property("background-color"), "rgba(255, 235, 233, 1)")
        stack = rows[0].find_element(By.CSS_SELECTOR, "pre.stack")
        # Closed, the entry's details are not rendered: Selenium reads no text from them.
        self.assertIsNone(rows[0].get_attribute("open"))
        self.assertEqual(stack.text, "")
        summary.click()
        self.assertIsNotNone(rows[0].get_attribute("open"))
        self.assertIn("TemplateError: undefined variable first_name", stack.text)
        self.assertIn("at render (templates/engine.py:212)", stack.text)
        self.shot("logs-seed-001")
        # The request ID links to every line of the request, whatever the filters were.
        self.click(rows[0].find_element(By.LINK_TEXT, "Every line of request req-ticket-4711"))
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "#log-results details.log-row")), 3)
        export = d.find_element(By.ID, "log-export").get_attribute("href")
        self.assertIn("/dashboard/system/logs/export.csv?", export)
        self.assertIn("request=req-ticket-4711", export)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"browser: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
