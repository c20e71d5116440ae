"""kg_builder: clinical-trial registry records to a validated RDF knowledge graph."""

__version__ = "0.1.0"
