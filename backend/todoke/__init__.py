"""Todoke: a resident super app for Japanese municipalities."""

import os

# Piccolo locates tables and the engine through this module, for the CLI and migrations too.
os.environ.setdefault("PICCOLO_CONF", "todoke.piccolo_conf")

__version__ = "0.1.0"
