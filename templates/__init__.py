"""The digest email's templates (jinja2 and CSS), installed as the package `digest.templates`.

This folder is the one copy: the shipped config points editors at it, and
`pip install` ships it inside the package for installations without a config.
"""
