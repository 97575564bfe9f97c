"""The pipeline's Python: parse CI outputs, render the PR comment, publish it, pin and run the image.

Every tool runs as ``python -m scripts.<tool> --help``. Layers: parse (pure) -> model (dataclasses)
-> render (pure) -> publish (I/O at the edge); see ../shared/design.md.
"""
