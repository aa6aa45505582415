"""Read models: functions that take a `Store`, run the project's own (parameter-bound) queries, and return
plain Python values for views and commands. Views never write SPARQL; this package does."""
