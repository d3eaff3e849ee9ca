"""Testing schemes like code: YAML cases, hypothesis strategies and properties, coverage, the pytest plugin."""
