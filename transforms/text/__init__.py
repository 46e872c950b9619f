"""From a raw document to an article's clean text and metadata: extraction (trafilatura in a child
process), cleaning of text copies, ids, outlets and dates (identity), and the language."""
from transforms.text.extract import ExtractArticles
from transforms.text.language import DetectLanguage

__all__ = ["DetectLanguage", "ExtractArticles"]
