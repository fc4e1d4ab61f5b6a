"""Feedback loops of the model: enumeration, theory names, Loops That Matter, gains."""
