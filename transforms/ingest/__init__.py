"""Getting documents in: files, folders, globs and WARC/ARC archives (inputs, read, archive), feed
documents (feeds), live feeds (feedlist, poll), sitemaps (sitemaps) and pages (fetch, http)."""
from transforms.ingest.fetch import FetchPages
from transforms.ingest.poll import NewEntries, PollFeeds
from transforms.ingest.read import ReadInputs
from transforms.ingest.sitemaps import SitemapPages

__all__ = ["FetchPages", "NewEntries", "PollFeeds", "ReadInputs", "SitemapPages"]
