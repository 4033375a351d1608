"""The outbox as the browser tests' mailbox: follow the link wol mailed to finish an account."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from wol.extensions import db
from wol.mail.models import OutboxMail


def mailed_link(app, address: str) -> str:
    """The link in the newest mail to ``address``."""
    with app.app_context():
        mail = db.session.scalars(
            select(OutboxMail).where(OutboxMail.to_addr == address).order_by(OutboxMail.id.desc())
        ).first()
        return re.search(r"https?://\S+", mail.body_text).group(0)


def finish_registration(page, app, address: str) -> None:
    """After "Create my account": open the mailed link and confirm, as the person would."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")
    page.goto(mailed_link(app, address))
    page.get_by_role("button", name="Create my account").click()
