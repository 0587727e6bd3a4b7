"""Online procedures: versioned, data-defined definitions and their catalogue."""
