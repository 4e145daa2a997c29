"""Tests for Heldar."""
