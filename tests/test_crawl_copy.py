"""Every main page (tests/e2e/pages.py), in Chinese and in English: no blank
choice in English or as dashes in the Chinese UI, and no English page showing
the Chinese blank label; every page answers 200."""

import pytest
from django.test import Client

from tests.e2e.pages import ANONYMOUS, MAIN_PAGES, load_demo

UNTRANSLATED = ("- Select an option -", "---------")


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return load_demo()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_blank_choice_label_left_untranslated(demo, language):
    clients = {}
    for page in MAIN_PAGES:
        if page.persona not in clients:
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            if page.persona != ANONYMOUS:
                client.force_login(demo.user(page.persona))
            clients[page.persona] = client
        response = clients[page.persona].get(page.path(demo))
        assert response.status_code == 200, page.id
        html = response.content.decode()
        if language == "zh-hans":
            found = [text for text in UNTRANSLATED if text in html]
            assert not found, (page.id, found)
        else:
            assert "请选择" not in html, page.id
