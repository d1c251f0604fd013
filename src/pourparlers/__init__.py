"""pourparlers: an annotated French news corpus on the 2025 Russia–Ukraine peace negotiations."""

__version__ = "0.1.0"
