import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="identity",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["todoke.identity.tables"], exclude_imported=True),
    migration_dependencies=[
        "todoke.registry.piccolo_app",
        "todoke.audit.piccolo_app",
        "todoke.notices.piccolo_app",
    ],
)
