"""Tests for the recorder core, which runs without Home Assistant."""
