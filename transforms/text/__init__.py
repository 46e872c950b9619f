"""From a raw document to an article's clean text and metadata: extraction (trafilatura in a child
process), cleaning (rules, and corpus evidence across the run), ids, outlets and dates, the language."""
from transforms.text.corpus import ApplyLineEvidence, ApplyTitleEvidence, CorpusEvidence
from transforms.text.extract import ExtractArticles
from transforms.text.language import DetectLanguage

__all__ = ["ApplyLineEvidence", "ApplyTitleEvidence", "CorpusEvidence", "DetectLanguage", "ExtractArticles"]
