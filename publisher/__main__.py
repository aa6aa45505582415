"""`python -m publisher`: the bdp command (publisher.cli), e.g. for tests that run it in a child process."""

from publisher.cli import main

main()
