"""おくやみ: a death recorded once, every task across the departments (issue 17)."""
