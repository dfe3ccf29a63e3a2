"""Exercises, labs, grading and the course as files."""
