"""The app the load benchmark serves: wol as configured by the environment, plus a bare
endpoint that does nothing, the yardstick every page is measured against."""

from flask_login import current_user

from wol import create_app

app = create_app()


@app.get("/_bench/bare")
def bare():
    """The cheapest answer this app can give: the ceiling for every page."""
    return "ok"


@app.get("/_bench/bare-signed-in")
def bare_signed_in():
    """The cheapest answer to a signed-in person: the session read and the person loaded."""
    return "ok" if current_user.is_authenticated else "anonymous"
