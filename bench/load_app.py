"""The app the load benchmark serves: wol as configured by the environment, plus a bare
endpoint that does nothing, the yardstick every page is measured against."""

from wol import create_app

app = create_app()


@app.get("/_bench/bare")
def bare():
    """The cheapest answer this app can give: the ceiling for every page."""
    return "ok"
