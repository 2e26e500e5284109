"""Insights for marketers: suggested actions over the data and predictive scoring."""
