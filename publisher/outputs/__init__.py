"""The files a build writes beside the store: RDF dumps, the CSV of practices, the search index, sitemaps, the catalogue and VoID files."""
