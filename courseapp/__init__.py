"""courseapp: e-learning for the Safe & Together model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from courseapp import (  # noqa: F401 - models: all tables
    catalogue,
    cli,
    database,
    errors,
    models,
    security,
    static_files,
    templating,
)
from courseapp.accounts import routes as accounts_routes
from courseapp.accounts import services as accounts_services
from courseapp.assessment import routes as assessment_routes
from courseapp.assessment.cli import assessment_cli
from courseapp.audit import routes as audit_routes
from courseapp.certificates import routes as certificates_routes
from courseapp.cohorts import routes as cohorts_routes
from courseapp.config import PROJECT_ROOT, config_from_env, instance_secret_key
from courseapp.content import routes as content_routes
from courseapp.content.cli import content_cli
from courseapp.cpd import routes as cpd_routes
from courseapp.demo.cli import seed_demo_command
from courseapp.evaluation import routes as evaluation_routes
from courseapp.extensions import csrf, db, init_limiter, login_manager, migrate
from courseapp.jobs import cli as jobs_cli
from courseapp.jobs import routes as jobs_routes
from courseapp.jobs import tasks  # noqa: F401 - registers the tasks jobs run
from courseapp.mail import mail
from courseapp.organisations import routes as organisations_routes
from courseapp.people import routes as people_routes
from courseapp.privacy import routes as privacy_routes
from courseapp.privacy.cli import backup_command, purge_command
from courseapp.procedures import routes as procedures_routes
from courseapp.reports import routes as reports_routes
from courseapp.reports.cli import reports_cli
from courseapp.rewording import routes as rewording_routes
from courseapp.rewording.cli import rewording_cli
from courseapp.site import routes as site_routes
from courseapp.sso import routes as sso_routes


def create_app(config: dict[str, Any] | type | None = None) -> Flask:
    """Build the app. `config` is a config class, or a dict of overrides on top of
    the class chosen by COURSEAPP_ENV. No side effects beyond the instance folder."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=None,  # served by WhiteNoise: see courseapp.static_files
    )
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_from_env())
        app.config.update(config or {})
    _resolve_defaults(app)
    static_files.init_app(app)
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(Path(__file__).parent / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    init_limiter(app)
    login_manager.init_app(app)
    mail.init_app(app)
    WTFormsHelpers(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    database.init_app(app)  # after every other after_request function: see there

    app.register_blueprint(site_routes.bp)
    app.register_blueprint(accounts_routes.bp)
    app.register_blueprint(organisations_routes.bp)
    app.register_blueprint(people_routes.bp)
    app.register_blueprint(content_routes.bp)
    app.register_blueprint(assessment_routes.bp)
    app.register_blueprint(rewording_routes.bp)
    app.register_blueprint(audit_routes.bp)
    app.register_blueprint(certificates_routes.bp)
    app.register_blueprint(cohorts_routes.bp)
    app.register_blueprint(reports_routes.bp)
    app.register_blueprint(privacy_routes.bp)
    app.register_blueprint(procedures_routes.bp)
    app.register_blueprint(sso_routes.bp)
    app.register_blueprint(jobs_routes.bp)
    app.register_blueprint(cpd_routes.bp)
    app.register_blueprint(jobs_routes.unsubscribe_bp)
    app.register_blueprint(evaluation_routes.bp)
    app.cli.add_command(content_cli)
    app.cli.add_command(assessment_cli)
    app.cli.add_command(rewording_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(jobs_cli.worker_command)
    app.cli.add_command(jobs_cli.sweep_command)
    catalogue.init_app(app)
    cli.init_app(app)
    accounts_services.init_login_manager(login_manager)

    @app.context_processor
    def service_globals() -> dict[str, Any]:
        return {"service_name": app.config["SERVICE_NAME"]}

    return app


def _resolve_defaults(app: Flask) -> None:
    instance = Path(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        if app.config.get("REQUIRE_SECRET_KEY"):
            raise RuntimeError(
                "SECRET_KEY must be set in production, and be the same on every replica"
            )
        app.config["SECRET_KEY"] = instance_secret_key(instance)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        instance.mkdir(parents=True, exist_ok=True)
        uri = f"sqlite:///{instance / 'courseapp.sqlite3'}"
    elif uri.startswith(("postgres://", "postgresql://")):
        uri = "postgresql+psycopg://" + uri.split("://", 1)[1]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
