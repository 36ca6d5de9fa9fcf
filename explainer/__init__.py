"""explainer: a static-site generator for explainers in which every claim is cited."""

__version__ = "0.1.0"
