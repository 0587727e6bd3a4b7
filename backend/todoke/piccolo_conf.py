"""Piccolo's configuration module (``PICCOLO_CONF=todoke.piccolo_conf``)."""

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(
    apps=[
        "todoke.registry.piccolo_app",
        "todoke.audit.piccolo_app",
        "todoke.notices.piccolo_app",
        "todoke.identity.piccolo_app",
        "todoke.procedures.piccolo_app",
        "todoke.staff.piccolo_app",
        "todoke.benefits.piccolo_app",
    ]
)


def __getattr__(name: str) -> Any:  # Piccolo reads ``DB`` on demand: resolve it per process.
    if name == "DB":
        from todoke.db import current_engine

        return current_engine()
    raise AttributeError(name)
