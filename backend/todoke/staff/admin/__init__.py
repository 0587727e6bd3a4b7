"""Administration: registry imports, metrics, the audit trail, staff accounts and invites."""
