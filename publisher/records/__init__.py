"""Source records -> RDF: reading and checking the YAML records, converting them to triples, their documents, the vocabulary look-ups, and the importer of the old bank's pages."""
