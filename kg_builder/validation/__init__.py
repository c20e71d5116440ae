"""SHACL validation of the store or of a build's batches: three engines, one report, a worker process."""
