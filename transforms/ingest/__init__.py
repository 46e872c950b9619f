"""Getting documents in: files, folders and globs (inputs, read), feed documents (feeds), and live feeds
polled (feedlist, poll) and their pages fetched (fetch) through the one polite HTTP client (http)."""
from transforms.ingest.fetch import FetchPages
from transforms.ingest.poll import NewEntries, PollFeeds
from transforms.ingest.read import ReadInputs

__all__ = ["FetchPages", "NewEntries", "PollFeeds", "ReadInputs"]
