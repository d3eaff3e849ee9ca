"""Scheme expressions: parsing, the whitelist, types and periods, and the function library."""
