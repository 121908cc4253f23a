"""Temporal knowledge-graph forecasting: data, metrics, recurrency baseline, ranker, benchmark."""
