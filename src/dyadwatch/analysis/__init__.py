"""Analysis of stored events: dyad series, summaries, forecasting."""
