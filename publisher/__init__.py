"""bdp: the good-practice bank of public-NGO-business cooperation, published as linked open data."""

from __future__ import annotations

__version__ = "0.1.0"
