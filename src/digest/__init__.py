"""digest: turn new issues of Chinese newsletters into an HTML email digest."""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
