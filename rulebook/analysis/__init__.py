"""Why scores changed and what would change them: scheme and result diffs, what-if, goals."""
