"""The end-to-end stand-ins must declare exactly the interface of the actions they replace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.e2e.actions_md import parse
from tests.e2e.standins.generate import STANDINS, action_yml, folder

pytestmark = pytest.mark.static  # needs the tool wheels: runs once, in CI's full test leg
SPECS = parse()
WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"


def declared(action: str) -> dict:
    return yaml.safe_load((folder(action) / "action.yml").read_text())


@pytest.mark.parametrize("action", STANDINS)
def test_standin__inputs_match_the_pinned_action(action):
    spec, doc = SPECS[action], declared(action)
    assert list(doc["inputs"]) == [i.name for i in spec.inputs]
    for item in spec.inputs:
        mine = doc["inputs"][item.name]
        assert mine.get("required") == item.required, f"{action} input {item.name}: required"
        assert mine.get("default") == item.default, f"{action} input {item.name}: default"


@pytest.mark.parametrize("action", STANDINS)
def test_standin__outputs_match_the_pinned_action(action):
    assert list(declared(action).get("outputs", {})) == list(SPECS[action].outputs)


@pytest.mark.parametrize("action", STANDINS)
def test_standin__file_is_what_the_generator_writes(action):
    """Hand edits would drift from actions.md unnoticed; regenerate instead."""
    assert declared(action) == action_yml(SPECS[action])


def test_standins__cover_every_action_the_workflows_use():
    used = set()
    for path in WORKFLOWS.glob("*.yml"):
        used |= set(re.findall(r"uses: ([^@\s]+)@", path.read_text()))
    assert used == set(STANDINS)


def test_actions_md__parses_every_pinned_action():
    pins = (Path(__file__).parent / "fixtures" / "action-pins.tsv").read_text().splitlines()[1:]
    for line in pins:
        action, tag = line.split("\t")[:2]
        assert SPECS[action].tag == tag
