"""Reading a scheme: YAML with a source map, the builder, the checked model, its dependency
graph and period axes."""
