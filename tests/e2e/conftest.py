"""Real-browser journeys: Playwright driving Debian's Chromium."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "e2e-failures"
# Screenshots of the main pages at phone size, kept after every run for a
# reviewer to look at (they are not compared pixel by pixel).
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"


def save_screen(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


VIEWPORTS = {
    "phone": {"width": 375, "height": 812},
    "desktop": {"width": 1280, "height": 800},
}


@pytest.fixture
def new_page(browser, request):
    """Open a page in a browser context of its own (one per person in a journey).

    Every page opened this way is saved if the test fails.
    """
    contexts = []
    request.node.e2e_pages = []

    def open_page(viewport="phone", locale="zh-CN"):
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        request.node.e2e_pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def phone_page(new_page):
    """A page the size of a phone screen (375 x 812)."""
    return new_page("phone")


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    """Run the test once at phone size and once at desktop size."""
    return request.param


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot and the HTML of every open page when a journey fails."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages = list(getattr(item, "e2e_pages", []))
    pages += [
        value
        for value in getattr(item, "funcargs", {}).values()
        if isinstance(value, Page) and value not in pages
    ]
    for number, page in enumerate(pages, start=1):
        if page.is_closed():
            continue
        name = item.name if len(pages) == 1 else f"{item.name}-{number}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except PlaywrightError as exc:  # a crashed page must not hide the real failure
            report.sections.append(("e2e artifacts", f"{name}: {exc}"))
