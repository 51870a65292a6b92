"""Integrations with deep-learning frameworks, each behind its optional extra.

``tunesmith.integrations.torch`` needs ``pip install 'tunesmith[torch]'``; importing it
without PyTorch raises :class:`~tunesmith.exceptions.MissingDependencyError`.
"""
