"""The DEBUG page of sent email (/dev/mail/): staff only, and every message
decoded (headers, text body, attachments by name and size)."""

import pytest
from django.core import mail
from django.urls import path

from borrowers.accounts import views as account_views
from config.urls import urlpatterns as project_urlpatterns
from tests.factories import BorrowerFactory, UserFactory

# The page exists only when DEBUG was on at start-up; the tests run with DEBUG off.
urlpatterns = [*project_urlpatterns, path("dev/mail/", account_views.sent_mail, name="sent_mail")]

pytestmark = pytest.mark.urls(__name__)

PDF = b"%PDF-1.4 " + b"x" * 2039  # 2 KB
RESET_LINK = "http://testserver/accounts/reset/MQ/abc-123/"


@pytest.fixture
def mail_folder(settings, tmp_path):
    settings.DEBUG = True
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    first = mail.EmailMessage(
        subject="重置你的还款助手密码",
        # A line too long for 8bit: the body is sent base64 or quoted-printable.
        body=f"有人请求重置你的密码。{'说明' * 600}\n打开这个链接设置新密码：\n{RESET_LINK}\n",
        from_email="还款助手 <noreply@localhost>",
        to=["alice@example.com"],
    )
    second = mail.EmailMessage(
        subject="协商还款申请书 · Proposal",
        body="Dear lender, the proposal is attached. 此致敬礼\n" * 20,
        from_email="noreply@localhost",
        to=["lender@bank.example"],
        cc=["alice@example.com"],
    )
    second.attach("协商还款申请书.pdf", PDF, "application/pdf")
    # One connection: both messages in one .log file, separated by a line of dashes.
    with mail.mailers.default as connection:
        connection.send_messages([first, second])
    return tmp_path


@pytest.fixture
def staff_client(client, db):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(UserFactory(is_staff=True))
    return client


def test_staff_see_each_message_decoded(staff_client, mail_folder, settings):
    (log,) = mail_folder.glob("*.log")
    raw = log.read_bytes()
    assert raw.count(b"-" * 79) == 2  # two messages in the file
    assert "有人请求重置你的密码".encode() not in raw  # sent base64 or quoted-printable
    assert PDF not in raw
    response = staff_client.get("/dev/mail/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "重置你的还款助手密码" in page
    assert "有人请求重置你的密码。" in page
    assert RESET_LINK in page
    assert "alice@example.com" in page and "lender@bank.example" in page
    assert "协商还款申请书 · Proposal" in page
    assert "Dear lender, the proposal is attached. 此致敬礼" in page
    assert "协商还款申请书.pdf (2.0\xa0KB)" in page
    assert "Content-Transfer-Encoding" not in page and "JVBERi0" not in page  # no raw MIME
    messages = response.context["messages_sent"]
    assert [m["subject"] for m in messages] == ["协商还款申请书 · Proposal", "重置你的还款助手密码"]
    assert messages[0]["attachments"] == [{"name": "协商还款申请书.pdf", "size": len(PDF)}]
    assert messages[1]["date"] and messages[1]["from"] == "还款助手 <noreply@localhost>"
    settings.DEBUG = False  # as in production: no page, even for staff
    assert staff_client.get("/dev/mail/").status_code == 404


def test_a_visitor_gets_a_404(client, db, mail_folder):
    response = client.get("/dev/mail/")
    assert response.status_code == 404
    assert "abc-123" not in response.content.decode()


def test_a_borrower_gets_a_404(client, db, mail_folder):
    client.force_login(BorrowerFactory().user)
    assert client.get("/dev/mail/").status_code == 404


def test_an_inactive_staff_account_gets_a_404(client, db, mail_folder):
    user = UserFactory(is_staff=True, is_active=False)
    client.force_login(user)
    assert client.get("/dev/mail/").status_code == 404
