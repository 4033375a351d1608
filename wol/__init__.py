"""wol: coordinates Working Out Loud circles."""

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from wol.config import load_config
from wol.extensions import babel, csrf, db, login_manager, migrate
from wol.paths import resource_dir


def create_app(config: dict | None = None) -> Flask:
    """Build the wol application; ``config`` overrides environment settings (tests)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update(load_config(app.instance_path, config))
    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies, the client's address and scheme are those the proxies report.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("WOL_GUIDES_DIR"):
        app.config["WOL_GUIDES_DIR"] = str(resource_dir("guides"))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from wol.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)

    from wol import front, models  # noqa: F401 - models registers every table
    from wol.web import IdConverter

    # Before any route exists: every <int:...> in a URL is bounded like a database id.
    app.url_map.converters["int"] = IdConverter
    from wol.admin import bp as admin_bp
    from wol.auth import bp as auth_bp
    from wol.calendar import bp as calendar_bp
    from wol.checkins import bp as checkins_bp
    from wol.circles import bp as circles_bp
    from wol.cli import register_cli
    from wol.directory import bp as directory_bp
    from wol.guides import bp as guides_bp
    from wol.harvest import bp as harvest_bp
    from wol.main import bp as main_bp
    from wol.organise import bp as organise_bp
    from wol.personal import bp as personal_bp
    from wol.rounds import bp as rounds_bp
    from wol.settings import bp as settings_bp
    from wol.sso import bp as sso_bp
    from wol.web import register_web

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(circles_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(guides_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(checkins_bp)
    app.register_blueprint(organise_bp)
    app.register_blueprint(harvest_bp)
    app.register_blueprint(personal_bp)
    if app.config["WOL_ENV"] == "development":
        from wol.devmail import bp as devmail_bp

        app.register_blueprint(devmail_bp)
    register_web(app)
    register_cli(app)
    front.install(app)
    return app
