"""The attack suite: every link, view, command and action refuses what it was not made for."""
