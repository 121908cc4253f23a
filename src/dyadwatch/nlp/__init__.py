"""spaCy loading and sentence parsing."""
