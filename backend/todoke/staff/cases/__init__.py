"""Casework: the queue, opening a case, assignment, notes, decisions, assisted filing and
corrections."""
