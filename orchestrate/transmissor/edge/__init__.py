"""The edge topology: a box inside the município that pushes its own rows out."""
