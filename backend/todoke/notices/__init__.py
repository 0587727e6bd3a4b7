"""The resident's inbox: the record of truth for everything the municipality tells them."""
