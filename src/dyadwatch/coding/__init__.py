"""Event coding: verb and noun patterns (data files) applied to parsed sentences."""
