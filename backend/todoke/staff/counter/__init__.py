"""Counter work: activation letters and identity checks at the counter."""
