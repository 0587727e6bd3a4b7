"""Designing what residents are offered: procedure definitions and programmes."""
