"""The CAMEO event ontology (codes, names, Goldstein, quad class) and its PLOVER mapping."""
