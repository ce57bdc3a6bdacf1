"""Findings as a SARIF 2.1.0 log, the format code-scanning services (GitHub, Azure DevOps) read.

One run: the tool (with every rule of the catalogue as a reporting descriptor), one result per
finding (rule, message, file, line and column), and one invocation whose notifications are the
files that could not be processed. Paths under the current directory are written relative to
``%SRCROOT%`` (which ``originalUriBaseIds`` maps to the current directory); others as ``file:``
URIs. Columns count Unicode code points (``columnKind``), as LibCST does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from codemods.rules import Rule
from estimator_fix import __version__
from estimator_fix.reporting import Located, finding_label

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"


def artifact_location(path: str, root: Path) -> dict[str, str]:
    """Where ``path`` is, as a SARIF artifactLocation (relative to %SRCROOT% when under root).

    The URI quotes the path's own bytes, so a name that is not UTF-8 survives the trip."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": "file://" + quote(os.fsencode(absolute.as_posix()))}
    posix = PurePosixPath(*relative.parts).as_posix()
    return {"uri": quote(os.fsencode(posix)), "uriBaseId": SRCROOT}


def _descriptor(code: str, rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"id": code, "shortDescription": {"text": code}}
    text = rule.explanation()
    example = f"Example:\n\n{rule.example}\nUse instead:\n\n{rule.use_instead}"
    return {
        "id": rule.code,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.what},
        "help": {
            "text": f"{text}\n\nFix: {rule.fix_summary}\n\n{example}",
            "markdown": (
                f"{text}\n\n**Fix:** {rule.fix_summary}\n\nExample:\n\n```python\n"
                f"{rule.example}```\n\nUse instead:\n\n```python\n{rule.use_instead}```\n"
            ),
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {"fix": rule.fix_summary},
    }


def _result(item: Located, index: int, root: Path) -> dict[str, Any]:
    path, finding, cell = item
    text = f"{finding.message} ({finding_label(finding)})"
    if finding.note:
        text += f". {finding.note}"
    location: dict[str, Any] = {"artifactLocation": artifact_location(path, root)}
    properties: dict[str, Any] = {
        "fix": finding.fix,
        "applied": finding.applied,
        "function": finding.function,
    }
    if cell is None:
        location["region"] = {"startLine": finding.line, "startColumn": finding.column}
    else:  # a line of the cell, not of the notebook's JSON: name the file and the cell
        text = f"cell {cell}, line {finding.line}: {text}"
        properties["cell"] = cell
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": text},
        "locations": [{"physicalLocation": location}],
        "properties": properties,
    }


def _notification(path: str, reason: str, root: Path) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": reason},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(path, root)}}],
    }


def sarif_log(
    findings: Sequence[Located],
    errors: Iterable[tuple[str, str]],
    rules: Mapping[str, Rule],
    *,
    root: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """The SARIF log of one ``check`` run, as a JSON-ready dict.

    ``rules`` is the catalogue (``codemods.rules.catalogue()``); a finding whose code it lacks
    still gets a minimal descriptor. ``root`` (default: the current directory) is %SRCROOT%.
    """
    base = Path(os.path.abspath(root if root is not None else os.curdir))
    codes = sorted(set(rules) | {item.finding.code for item in findings})
    index = {code: number for number, code in enumerate(codes)}
    notifications = [_notification(path, reason, base) for path, reason in errors]
    root_uri = base.as_uri()
    root_uri += "" if root_uri.endswith("/") else "/"
    return {
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "estimator-fix",
                        "version": __version__,
                        "rules": [_descriptor(code, rules.get(code)) for code in codes],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": [_result(item, index[item.finding.code], base) for item in findings],
            }
        ],
    }
