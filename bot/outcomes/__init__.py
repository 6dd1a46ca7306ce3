"""Outcomes: how leads turn out (stages) and the figures read off them (`scorecard`)."""
