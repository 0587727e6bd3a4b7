"""The two screen sizes every screen is checked at: a phone first, then a desktop."""

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
