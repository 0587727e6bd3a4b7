"""Append-only, hash-chained audit events: who did what to whose data, and why."""
