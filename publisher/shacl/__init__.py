"""The SHACL engines: the shapes compiled to SPARQL and run on Oxigraph (builds and `bdp validate`), and pyshacl as the reference engine the tests hold it equal to."""
