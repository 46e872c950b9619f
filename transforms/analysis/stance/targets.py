"""The claims of `--targets` (YAML or JSON) and the interface a stance model implements."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass
class Target:
    id: str
    claim: str
    keywords: list[str] = field(default_factory=list)


def load_targets(path) -> list[Target]:
    """Targets from a YAML or JSON file (`targets:` list of {id, claim, keywords?}); any Beam path."""
    from apache_beam.io.filesystems import FileSystems
    try:
        with FileSystems.open(str(path)) as handle:
            raw = handle.read().decode("utf-8")
    except Exception as error:  # noqa: BLE001 - reported with the path, whatever the filesystem says
        raise ValueError(f"targets file {path}: cannot read it ({error})") from error
    return parse_targets(raw, str(path))


def parse_targets(raw: str, where: str = "targets") -> list[Target]:
    import yaml
    try:
        data = json.loads(raw) if str(where).lower().endswith(".json") else yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError) as error:
        raise ValueError(f"targets file {where}: not valid YAML/JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise ValueError(f"targets file {where}: expected a mapping with a `targets:` list")
    targets, seen = [], set()
    for n, item in enumerate(data["targets"], 1):
        if not isinstance(item, dict):
            raise ValueError(f"targets file {where}: target #{n} is not a mapping")
        target_id, claim = item.get("id"), item.get("claim")
        if not isinstance(target_id, str) or not target_id.strip():
            raise ValueError(f"targets file {where}: target #{n} has no `id`")
        if not isinstance(claim, str) or not claim.strip():
            raise ValueError(f"targets file {where}: target {target_id!r} has no `claim`")
        if target_id in seen:
            raise ValueError(f"targets file {where}: target id {target_id!r} appears twice")
        keywords = item.get("keywords") or []
        if isinstance(keywords, str):
            keywords = [keywords]
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ValueError(f"targets file {where}: target {target_id!r}: `keywords` must be a list of strings")
        unknown = set(item) - {"id", "claim", "keywords"}
        if unknown:
            raise ValueError(f"targets file {where}: target {target_id!r}: unknown field(s) {sorted(unknown)}")
        seen.add(target_id)
        targets.append(Target(target_id.strip(), claim.strip(), [k.strip() for k in keywords if k.strip()]))
    return targets


@runtime_checkable
class StanceModel(Protocol):
    """What TagArticles needs from a stance model (rule-based here; an NLI model can implement it)."""

    targets: list[Target]

    def supports(self, language: str | None) -> bool: ...

    def relevant_targets(self, text: str, title: str = "") -> list[Target]: ...

    def stances(self, *, text: str, title: str, language: str, doc, entities: list[dict],
                quotes: list[dict]) -> list[dict]: ...
