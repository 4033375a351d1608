"""Circle health: a pure status function (status.py), its words, and the tick's nudges."""
