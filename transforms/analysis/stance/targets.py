"""The claims of `--targets` (YAML or JSON) and the interface a stance model implements."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


LANGUAGE_FIELD = re.compile(r"(claim|keywords)_([a-z]{2})")


@dataclass
class Target:
    id: str
    claim: str
    keywords: list[str] = field(default_factory=list)
    # the claim and keywords in other languages (`claim_ru`, `keywords_fr`, ...): language -> text / list
    claims: dict[str, str] = field(default_factory=dict)
    keywords_in: dict[str, list[str]] = field(default_factory=dict)


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
        keywords = _keywords(item.get("keywords"), f"targets file {where}: target {target_id!r}: `keywords`")
        claims, keywords_in, unknown = {}, {}, []
        for name, value in item.items():
            language = LANGUAGE_FIELD.fullmatch(str(name))
            if language and language.group(1) == "claim" and isinstance(value, str) and value.strip():
                claims[language.group(2)] = value.strip()
            elif language and language.group(1) == "keywords":
                keywords_in[language.group(2)] = _keywords(value, f"targets file {where}: target {target_id!r}: `{name}`")
            elif name not in ("id", "claim", "keywords"):
                unknown.append(str(name))
        if unknown:   # claim_LANG / keywords_LANG (an ISO 639-1 code) are the only others
            raise ValueError(f"targets file {where}: target {target_id!r}: unknown field(s) {sorted(unknown)}")
        seen.add(target_id)
        targets.append(Target(target_id.strip(), claim.strip(), keywords, claims, keywords_in))
    return targets


def _keywords(value, what: str) -> list[str]:
    value = [value] if isinstance(value, str) else (value or [])
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"{what} must be a list of strings")
    return [k.strip() for k in value if k.strip()]


@runtime_checkable
class StanceModel(Protocol):
    """What TagArticles needs from a stance model (rule-based here; an NLI model can implement it)."""

    targets: list[Target]

    def supports(self, language: str | None) -> bool: ...

    def relevant_targets(self, text: str, title: str = "") -> list[Target]: ...

    def stances(self, *, text: str, title: str, language: str, doc, entities: list[dict],
                quotes: list[dict]) -> list[dict]: ...
