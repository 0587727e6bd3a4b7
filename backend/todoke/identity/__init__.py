"""Accounts, passkeys, sessions, identity verification and staff accounts."""
