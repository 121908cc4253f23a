"""Actor dictionaries (data files) and resolution of noun phrases to CAMEO actor codes."""
