"""Exact oracles for edges a mutation run showed unpinned: the client settings that reach PyGithub,
the container's output tail and decoding, default limits, boundaries at exactly the cap."""

from __future__ import annotations

import collections

import pytest

from scripts import untrusted
from scripts.deploy import container
from scripts.errors import ApiError, InputError
from scripts.github import github_api
from scripts.parse import safexml
from scripts.report import markdown as md
from scripts.report import sticky
from tests.support.stalling import StallingServer


class TestClientSettings:
    def test_every_setting_reaches_the_client(self):
        settings = github_api.Settings(
            token="t",
            api_url="https://ghe.example/api/v3",
            retries=3,
            backoff=2.5,
            secondary_rate_wait=7.0,
            max_rate_limit_wait=11.0,
            timeout=13.0,
            pace_requests=0.125,
            pace_writes=0.75,
        )
        requester = github_api.connect(settings).requester
        retry = requester._Requester__retry
        assert (retry.total, retry.backoff_factor) == (3, 2.5)
        assert (retry.secondary_rate_wait, retry.max_rate_limit_wait) == (7.0, 11.0)
        assert retry.allowed_methods == frozenset({"GET", "POST", "PATCH", "DELETE", "HEAD"})
        assert requester._Requester__timeout == 13
        assert requester._Requester__seconds_between_requests == 0.125
        assert requester._Requester__seconds_between_writes == 0.75
        assert requester.per_page == 100


class TestContainerTail:
    class Chunks:
        """A pipe that hands out the given chunks, and checks it is read in bounded pieces."""

        def __init__(self, chunks: list[bytes]) -> None:
            self.chunks = collections.deque(chunks)
            self.closed = False

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.closed = True

        def read1(self, size: int) -> bytes:
            """What has arrived, at most size bytes (read() would wait for size or the end)."""
            assert size == 65536, "a pipe is read 64 KiB at a time, never whole"
            return self.chunks.popleft() if self.chunks else b""

    def tail(self, chunks: list[bytes]) -> tuple[list[bytes], int]:
        keep: collections.deque = collections.deque()
        counter = [0]
        pipe = self.Chunks(chunks)
        container._tail(pipe, keep, counter)
        assert pipe.closed, "the reader closes its pipe when done"
        return list(keep), counter[0]

    def test_only_the_chunks_the_last_64_kib_needs_are_kept(self):
        a, b, c = b"a" * 100, b"b" * 65536, b"c" * 65536
        assert self.tail([a, b, c]) == ([c], 100 + 65536 * 2)

    def test_a_chunk_the_tail_still_needs_is_kept(self):
        a, b = b"a" * 65536, b"b" * 65535
        keep, counted = self.tail([a, b])
        assert (keep, counted) == ([a, b], 131071)
        assert container._decode(collections.deque(keep)) == "a" + "b" * 65535

    def test_a_flood__one_chunk_at_a_time(self):
        keep, counted = self.tail([b"x" * 65536] * 40)
        assert (len(keep), counted) == (1, 40 * 65536)

    def test_decode__invalid_utf8_replaced_not_raised(self):
        assert container._decode(collections.deque([b"ok \xff\xfe end"])) == "ok \ufffd\ufffd end"


class TestMarkdownDefaults:
    def test_inline__200_characters_by_default(self):
        assert md.inline("x" * 300) == "x" * 199 + "…"

    def test_code__200_characters_by_default(self):
        assert md.code("x" * 300) == "`" + "x" * 199 + "…`"

    def test_link__text_200_characters_by_default(self):
        assert md.link("x" * 300, "https://example.com/") == "[" + "x" * 199 + "…](https://example.com/)"

    def test_code_block__40_lines_and_2000_characters_by_default(self):
        block = md.code_block("\n".join(f"line {i}" for i in range(100)))
        assert block.startswith("```text\n… 60 earlier lines cut …\nline 60\n")
        body = block.split("\n")
        shown = [line for line in body if line.startswith("line ")]
        assert (shown[0], shown[-1], len(shown)) == ("line 60", "line 99", 40)
        long = md.code_block("y" * 5000)
        assert long.count("y") == 2000

    def test_code_block__lone_surrogate_becomes_the_replacement_character(self):
        assert md.code_block("a\ud800b") == "```text\na\ufffdb\n```"

    def test_safe_url__a_markdown_link_closer_inside_is_refused(self):
        assert md.safe_url("https://example.com/a](https://evil.example)") == ""


class TestStickyEdges:
    def test_compose__the_longest_section_is_cut_first_whichever_its_name(self):
        ci, cd = "c" * 100, "d" * (sticky.GITHUB_LIMIT + 10)
        body = sticky.compose(sticky.compose(None, "ci", ci), "cd", cd)
        parts = sticky.sections(body)
        assert parts["ci"] == ci
        assert sticky.size(body) <= sticky.GITHUB_LIMIT

    def test_compose__content_is_stripped_of_newlines_only(self):
        body = sticky.compose(None, "ci", "\nX marks the spot X\n\n")
        assert sticky.sections(body)["ci"] == "X marks the spot X"


class TestBoundsAtExactlyTheCap:
    def test_safexml__a_file_of_exactly_max_bytes_is_read(self, tmp_path):
        path = tmp_path / "x.xml"
        path.write_bytes(b"<a>" + b" " * 93 + b"</a>")
        safexml.parse(path, lambda _n, _a: None, lambda _n: None, max_bytes=100)

    def test_safexml__a_file_that_grew_after_the_size_check(self, tmp_path, monkeypatch):
        path = tmp_path / "x.xml"
        path.write_bytes(b"<a>" + b" " * 200 + b"</a>")
        monkeypatch.setattr(safexml, "check_size", lambda _p, _m: 0)
        with pytest.raises(InputError, match="over the") as caught:
            safexml.parse(path, lambda _n, _a: None, lambda _n: None, max_bytes=100)
        assert str(caught.value) == f"{path}: over the 100-byte limit"

    def test_load_json__a_file_that_grew_after_the_size_check(self, tmp_path, monkeypatch):
        path = tmp_path / "x.json"
        path.write_bytes(b"[" + b"0," * 100 + b"0]")
        monkeypatch.setattr(untrusted, "check_size", lambda _p, _m: 0)
        with pytest.raises(InputError, match="over the") as caught:
            untrusted.load_json(path, 50)
        assert str(caught.value) == f"{path}: over the 50-byte limit"

    def test_loads__arrays_count_as_containers_too(self):
        raw = b"[" + b"[]," * untrusted.MAX_JSON_CONTAINERS + b"[]]"
        with pytest.raises(InputError, match="more than 1,000,000 JSON objects and arrays"):
            untrusted.loads(raw, "x.json")

    def test_loads__exactly_at_the_container_and_item_limits_is_accepted(self, monkeypatch):
        """As many brackets and commas as the limits allow pass; one more of either does not
        (limits lowered to 5 and 8 here, so the test stays quick)."""
        monkeypatch.setattr(untrusted, "MAX_JSON_CONTAINERS", 5)
        monkeypatch.setattr(untrusted, "MAX_JSON_ITEMS", 8)
        assert untrusted.loads(b"[[],[],[],[]]", "x.json") == [[], [], [], []]  # 5 brackets
        with pytest.raises(InputError, match=r"^x\.json: more than 5 JSON objects and arrays$"):
            untrusted.loads(b"[[],[],[],[],{}]", "x.json")
        assert untrusted.loads(b"[0,0,0,0,0,0,0,0,0]", "x.json") == [0] * 9  # 8 commas
        with pytest.raises(InputError, match=r"^x\.json: more than 8 JSON items$"):
            untrusted.loads(b"[0,0,0,0,0,0,0,0,0,0]", "x.json")

    def test_check_size__unreadable_path_one_line(self, tmp_path):
        blocker = tmp_path / "file"
        blocker.write_text("x")
        with pytest.raises(InputError, match="cannot read") as caught:
            untrusted.check_size(blocker / "under-a-file.json", 10)
        assert str(caught.value) == f"{blocker / 'under-a-file.json'}: cannot read (Not a directory)"


class TestBodiesThatNeverFinish:
    """A 200 whose body stalls past the read timeout, or whose connection is cut mid-body: one
    ApiError naming what was being read, on every path that streams a body; never a traceback."""

    @pytest.fixture(params=["stall", "cut"])
    def server(self, request):
        server = StallingServer(request.param)
        yield server
        server.stop()

    def reason(self, server) -> str:
        return "ReadTimeoutError" if server.mode == "stall" else "ProtocolError"

    def test_artifact_download(self, server, tmp_path):
        from scripts.github import github_api

        settings = github_api.Settings(token="t", api_url=server.url, timeout=0.5)
        artifact = github_api.RunArtifact(id=1, name="n" * 150, size=100, expired=False, digest="")
        with pytest.raises(ApiError, match="the body stopped arriving") as caught:
            github_api.download_artifact(settings, "o/r", artifact, tmp_path / "a.zip", max_bytes=1000)
        assert str(caught.value) == (
            f"downloading artifact {'n' * 100!r}: the body stopped arriving ({self.reason(server)})"
        )

    def test_registry_call(self, server):
        from scripts.deploy.registry import ImageRef, RegistryClient

        client = RegistryClient(server.address, timeout=0.5, retries=0)
        with pytest.raises(ApiError, match="the body stopped arriving") as caught:
            client.resolve(ImageRef.parse(f"{server.address}/o/r@sha256:{'a' * 64}"))
        assert str(caught.value) == (
            f"registry {server.address}: GET http://{server.address}/v2/o/r/manifests/sha256:{'a' * 64}:"
            f" the body stopped arriving ({self.reason(server)})"
        )

    def test_packages_listing(self, server):
        from scripts.github import github_api
        from scripts.github.packages import PackagesClient

        settings = github_api.Settings(token="t", api_url=server.url, timeout=0.5, backoff=0)
        with pytest.raises(ApiError, match="the body stopped arriving") as caught:
            PackagesClient(settings, "octocat", "app", organization=False).versions()
        assert str(caught.value) == f"package octocat/app: GET: the body stopped arriving ({self.reason(server)})"


class TestFitAtTheSmallestBudgets:
    def test_budget_of_exactly_the_note__the_note_alone(self):
        note = sticky.CUT_NOTE
        assert sticky.fit("x" * 100, sticky.size(note)) == note

    def test_budget_under_the_note__nothing(self):
        assert sticky.fit("x" * 100, sticky.size(sticky.CUT_NOTE) - 1) == ""
