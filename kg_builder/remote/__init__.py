"""Other stores over HTTP: a SPARQL endpoint read like the embedded store, and publishing by Graph Store."""
