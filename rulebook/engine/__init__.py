"""Scoring: the compiled program, the reference interpreter, evaluation and rankings."""
