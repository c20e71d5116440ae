"""Study → RDF quads, split by area. Reads only the model; never raw text."""
