"""Input layouts → :class:`kg_builder.model.Study`. One module per layout; no RDF here."""
