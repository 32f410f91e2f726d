"""Synthetic PEC databases: the development stand-in for a banco do município."""
