"""Adapters that turn public RCA data sets into incident bundles."""
