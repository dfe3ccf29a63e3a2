"""The one place that derives meaning from a Trace: steps, streams, relative numbers, tags, fates, JSON."""
