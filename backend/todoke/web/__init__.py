"""Cross-cutting web pieces: problem details, security headers, logging, the PWA."""
