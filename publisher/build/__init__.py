"""records -> RDF -> SHACL validation -> store and dumps."""
