"""The mutation benchmark's equivalence rules: each accepts exactly the one-line change it names,
and nothing that could change behaviour (a rule too wide would hide a real survivor)."""

from __future__ import annotations

import pytest

from tests.benchmarks.mutation import equivalent, judge

HEADER = 'media_type = body.get("mediaType") or response.headers.get("Content-Type", "").split(";")[0]'


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        (HEADER, HEADER.replace('"Content-Type"', '"CONTENT-TYPE"'), "header name case"),
        (HEADER, HEADER.replace('"Content-Type"', '"content-type"'), "header name case"),
        ('d = r.headers["Docker-Content-Digest"]', 'd = r.headers["docker-content-digest"]', "header name case"),
        ('return data.decode("utf-8", errors="replace")', 'return data.decode("UTF-8", errors="replace")', "codec"),
        ('return data.decode("utf-8", errors="replace")', 'return data.decode(errors="replace")', "codec argument"),
        ('x = docker("kill", name, check=False)', 'x = docker("kill", name, check=None)', "check=None"),
        ('kind = c.split(" ", 1)[0].lower()', 'kind = c.split(" ", 2)[0].lower()', "maxsplit"),
        ('kind = c.split(" ", 1)[0].lower()', 'kind = c.split(" ", )[0].lower()', "maxsplit"),
        ('return b.split("\\n", 1)[0].strip() == M', 'return b.split("\\n", 2)[0].strip() == M', "maxsplit"),
    ],
)
def test_equivalent__accepted_with_its_reason(old, new, why):
    assert why in (equivalent(old, new) or "")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # a header's default value matters when the header is missing
        (HEADER, HEADER.replace('"Content-Type", ""', '"Content-Type", "XXXX"')),
        # case matters in a comparison, a dict literal, a message
        ('if method == "HEAD":', 'if method == "head":'),
        ('h = {"Content-Type": "a"}', 'h = {"content-type": "a"}'),
        ('raise ApiError("Not Found")', 'raise ApiError("not found")'),
        # another codec, or a codec argument dropped from encode/open (the locale's default)
        ('return data.decode("utf-8", errors="replace")', 'return data.decode("latin-1", errors="replace")'),
        ('p.write_text(t, encoding="utf-8")', "p.write_text(t, )"),
        # check=True is not check=None; check=False dropped from our docker() means check=True
        ('x = docker("kill", name, check=True)', 'x = docker("kill", name, check=None)'),
        ('x = docker("kill", name, check=False)', 'x = docker("kill", name, )'),
        # the separator, or a piece other than the first
        ('kind = c.split(" ", 1)[0].lower()', "kind = c.split(None, 1)[0].lower()"),
        ('kind = c.split(" ", 1)[1].lower()', 'kind = c.split(" ", 2)[1].lower()'),
        ('kind = c.split(" ", 1)[0].lower()', 'kind = c.split(",", 1)[0].lower()'),
        ('kind = c.rsplit(" ", 1)[0].lower()', 'kind = c.rsplit(" ", 2)[0].lower()'),
        # two changes on one line, one of them equivalent
        (HEADER, HEADER.replace('"Content-Type", ""', '"CONTENT-TYPE", "x"')),
    ],
)
def test_not_equivalent__counted_against_the_score(old, new):
    assert equivalent(old, new) is None


def test_judge__one_line_diffs_only():
    one = f"--- a.py\n+++ a.py\n@@ -1 +1 @@\n-    {HEADER}\n+    {HEADER.replace('Content-Type', 'CONTENT-TYPE')}\n"
    assert judge(one) == "header name case: requests' headers are a case-insensitive dict"
    two = one + f"-    {HEADER}\n+    {HEADER}\n"
    assert judge(two) is None
