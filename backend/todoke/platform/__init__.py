"""The platform operator's domain: the municipalities one deployment serves (issue 16)."""
