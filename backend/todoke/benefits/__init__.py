"""Benefits: programs, and eligibility rules evaluated over the registry (Python and SQL)."""
