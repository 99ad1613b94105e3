"""Authoring tools: the generated interaction model, lint, every request the skill answers."""
