"""Testing schemes like code: YAML cases, hypothesis strategies and properties, coverage, and
the pytest plugin."""
