"""The attack suite against a real Home Assistant process."""
