"""Plain-Python machine learning for the optimizer: no Django imports here."""
