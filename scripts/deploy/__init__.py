"""Deploy: the image pinned by digest through the registry API, verified, and run hardened in the
engine (or loaded from a fork's archive). Its command is ``python -m scripts.deploy``.
"""
