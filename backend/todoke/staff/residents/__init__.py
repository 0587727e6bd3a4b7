"""A resident's record for staff: the consented 360° view, consultations and follow-ups."""
