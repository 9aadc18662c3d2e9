"""Shapes of the JSON the API reads and answers with, one module per concept."""
