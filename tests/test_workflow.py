"""The GitHub Actions workflow: builds and tests every push and pull request, deploys only from main."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "site.yml"
ON_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
# the first major version of each action that runs on Node 24 (Node 20 actions stopped running 2026-09-16)
NODE24_FROM = {"actions/checkout": 5, "actions/setup-python": 6, "actions/cache": 5, "actions/upload-artifact": 6,
               "actions/upload-pages-artifact": 5, "actions/deploy-pages": 5}
PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # v(?P<major>\d+)(\.\d+)*$")


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _uses_lines() -> list[str]:
    return [m.group(1) for m in re.finditer(r"^\s*(?:- )?uses: (.+)$", WORKFLOW.read_text(encoding="utf-8"), re.M)]


def test_triggers(workflow):
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on["push"] == {"branches": ["main"]}
    assert "pull_request" in on and "pull_request_target" not in on  # never run a fork's code with secrets


def test_permissions_are_minimal(workflow):
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_only_a_push_to_main_deploys(workflow):
    jobs = workflow["jobs"]
    assert jobs["deploy"]["if"] == ON_MAIN and jobs["deploy"]["needs"] == "build"
    upload = [s for s in _steps(workflow) if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert len(upload) == 1 and upload[0]["if"] == ON_MAIN
    # a pull request still installs, tests and builds
    runs = [s.get("run", "") for s in jobs["build"]["steps"]]
    assert ".venv/bin/kaohe test" in runs and ".venv/bin/kaohe build" in runs
    assert "if" not in jobs["build"]


def test_every_action_is_pinned_by_commit_and_runs_on_node_24():
    lines = _uses_lines()
    assert len(lines) == 5  # checkout, cache, upload-artifact, upload-pages-artifact, deploy-pages
    for line in lines:
        match = PINNED.match(line)
        assert match, f"not pinned by a full commit SHA with its tag: {line}"
        assert int(match["major"]) >= NODE24_FROM[match["action"]], line


def test_checkout_keeps_no_credentials_and_pip_is_cached(workflow):
    steps = _steps(workflow)
    checkout = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert [s["with"] for s in checkout] == [{"persist-credentials": False}]
    cache = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert len(cache) == 1 and "hashFiles('pyproject.toml')" in cache[0]["with"]["key"]
    assert cache[0]["with"]["path"] == workflow["jobs"]["build"]["env"]["PIP_CACHE_DIR"]
