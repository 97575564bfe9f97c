"""The pipeline's Python: parse CI outputs, render the PR comment, publish it, pin and run the image.

Every tool runs as ``python -m scripts.<tool> --help``. Layers: parse (pure) -> model (dataclasses)
-> render (pure) -> publish (I/O at the edge); see ../shared/design.md.

Grouped by stage: ``parse/``, ``report/``, ``github/``, ``deploy/``. At the top level sit the
commands the workflows run (``annotate``, ``comment``, ``fetch``, ``image_record``, ``image_tags``,
``lint``, ``matrix``, ``sarif``, ``scan_gate``; ``report`` and ``deploy`` are their stages'
``__main__``) and what every stage shares: ``model``, ``errors``, ``untrusted``, ``http_body``,
``workflow_commands``.
"""
