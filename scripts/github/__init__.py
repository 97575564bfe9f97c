"""GitHub: the REST API through PyGithub (PR lookup, comments, runs, artifacts), the base run to
compare with, and the safe unpacking of what it downloads. I/O at the edge; no markdown.
"""
