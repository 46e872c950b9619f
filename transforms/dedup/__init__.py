"""Which rows are one text and which are one story: syndication groups (batch and incremental), the
signature index that carries them across runs, and story clusters."""
from transforms.dedup.incremental import IncrementalSyndication
from transforms.dedup.live_stories import IncrementalStories
from transforms.dedup.stories import ClusterStories
from transforms.dedup.syndication import LabelSyndication

__all__ = ["ClusterStories", "IncrementalStories", "IncrementalSyndication", "LabelSyndication"]
