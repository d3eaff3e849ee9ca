"""Indicator data: reading and checking it against a scheme's declared domains."""
