"""Stances toward target claims: who in an article supports or opposes each claim of `--targets`,
with a rule-based model over word lists (relevance, polarity, holders)."""
from transforms.analysis.stance.languages import MultilingualStance
from transforms.analysis.stance.model import RuleBasedStance
from transforms.analysis.stance.targets import StanceModel, Target, load_targets, parse_targets

__all__ = ["MultilingualStance", "RuleBasedStance", "StanceModel", "Target", "load_targets", "parse_targets"]
