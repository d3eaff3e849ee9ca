"""Reading a scheme: YAML with a source map, the key tables, the builder's phases (sections,
lowering, tree, resolve), the checked model, its dependency graph and period axes."""
