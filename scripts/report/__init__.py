"""Report: the model gathered (collect), compared with the base branch, and rendered as the PR
comment and job summary (markdown, sticky). Pure; its command is ``python -m scripts.report``.
"""
