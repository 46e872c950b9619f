"""What a name is, beyond what the NER model said: media outlets, a holder's nationality, groups.

- Media outlets are ORG, never PERSON: a name on the shipped list (lexicons/media_outlets.txt, one
  outlet a line, matched case-insensitively, "’s" dropped) or the article's own outlet (the first
  label of its registrable domain: "politico" for politico.eu). The small English model calls a
  lone "Politico" a person.
- A nationality adjective right before a role noun ("Estonian Prime Minister Kaja Kallas", "French
  President Emmanuel Macron") names the holder's country: it becomes a LOC whose `canonical` is the
  country ("Estonia"), from countryinfo's demonyms. Elsewhere ("Estonian wine") it stays MISC.
- A group that is not one person ("EU and NATO officials", "many EU countries") is typed by what it
  is (`group_type`): a group of countries is LOC, a group named after organisations or a body of
  officials is ORG, never PERSON.
"""
from __future__ import annotations

import re
from functools import lru_cache

from transforms.analysis.lexicons import LEXICON_DIR, lines

ROLE_WINDOW = 3     # words between a nationality adjective and its role noun ("Estonian Prime Minister")


def _key(name: str) -> str:
    name = re.sub(r"['’]s$", "", name.strip())
    return re.sub(r"\s+", " ", name).casefold()


@lru_cache(maxsize=None)
def media_outlets() -> frozenset[str]:
    return frozenset(_key(line) for line in lines(LEXICON_DIR / "media_outlets.txt"))


@lru_cache(maxsize=None)
def demonyms() -> dict[str, str]:
    """Nationality adjective (lower case) → country name, from countryinfo; a country may have
    several ("Antiguan,Barbudan")."""
    from countryinfo import all_countries
    out: dict[str, str] = {}
    for country in all_countries():
        for adjective in (country.demonym() or "").split(","):
            if adjective.strip():
                out.setdefault(adjective.strip().casefold(), country.name())
    for line in lines(LEXICON_DIR / "demonyms.en.txt"):   # the common forms countryinfo spells otherwise
        adjective, _, country = line.partition("=")
        out[adjective.strip().casefold()] = country.strip()
    return out


@lru_cache(maxsize=None)
def _group_nouns(language: str) -> dict[str, str]:
    out = {}
    for line in lines(LEXICON_DIR / f"group_nouns.{language}.txt"):
        noun, _, kind = line.partition("=")
        out[noun.strip().lower()] = kind.strip()
    return out


def outlet_name(outlet: str | None) -> str | None:
    """"politico" for politico.eu, "express" for express.co.uk: the registrable domain's first label."""
    if not outlet or "." not in outlet:
        return None
    return outlet.split(".", 1)[0].casefold()


def is_outlet(name: str, own_outlet: str | None = None) -> bool:
    key = _key(name)
    return key in media_outlets() or (own_outlet is not None and key == own_outlet)


def type_outlets(entities: list[dict], outlet: str | None = None) -> list[dict]:
    """Outlet names become ORG (in place, also returned)."""
    own = outlet_name(outlet)
    for ent in entities:
        if ent["label"] != "ORG" and is_outlet(ent["text"], own):
            ent["label"] = "ORG"
            ent["canonical"] = ent["text"] if ent["canonical"] in (None, "") else ent["canonical"]
    return entities


def link_nationalities(doc, entities: list[dict], roles: frozenset[str]) -> list[dict]:
    """A nationality adjective before a role noun becomes its country (LOC, `canonical` the country)."""
    if doc is None or not roles:
        return entities
    places = demonyms()
    for ent in entities:
        if ent["label"] != "MISC":
            continue
        country = places.get(ent["text"].casefold())
        if country is None:
            continue
        span = doc.char_span(ent["start"], ent["end"], alignment_mode="expand")
        if span is None:
            continue
        following = doc[span.end:span.end + ROLE_WINDOW]
        for token in following:
            if token.lower_ in roles:
                ent["label"], ent["canonical"] = "LOC", country
                break
            if not (token.is_title or token.lower_ in ("foreign", "prime", "deputy", "vice", "defence", "defense")):
                break
    return entities


def group_type(phrase: str, labels: list[str], language: str = "en") -> str:
    """The holder type of a speaker that is not one entity: LOC for a group of countries, ORG for
    a group of organisations or officials; PERSON only for a phrase that names nobody else."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", phrase)]
    nouns = _group_nouns(language)
    # English puts the head last ("EU and NATO officials"); French and Russian put it before its
    # complement ("les syndicats de cheminots", "представители Кремля"): the first group noun there.
    heads = words[-1:] if language == "en" else [w for w in words if w in nouns][:1]
    kind = nouns.get(heads[0]) if heads else None
    if kind:
        return kind
    if labels:
        return "LOC" if all(label == "LOC" for label in labels) else "ORG"
    return "PERSON"


def refine_entities(doc, entities: list[dict], language: str, roles: frozenset[str],
                    outlet: str | None = None) -> list[dict]:
    """Outlets typed ORG; in English, nationalities before role nouns linked to their country."""
    type_outlets(entities, outlet)
    if language == "en":
        link_nationalities(doc, entities, roles)
    return entities
