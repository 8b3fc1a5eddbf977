"""Authoring the course: each week's notebook written as text, and the source notebooks generated from it."""
