"""Links to other registries: the identifier schemes we carry (TERYT, KRS, REGON, NIP) and their check
digits, the linkset files under data/links/ that the build loads, and reconciliation with Wikidata
(`bdp link wikidata`). See docs/linking.md."""
