"""What an article says: named entities, quotes and their speakers, stances toward `--targets`
claims and tone, all from one parse per article (tag)."""
from transforms.analysis.tag import TagArticles

__all__ = ["TagArticles"]
