"""Harvests, the stories page and circles that go on after week 12."""
