"""Renderings of results and audits: terminal table, worksheet, JSON, CSV, HTML, xlsx."""
