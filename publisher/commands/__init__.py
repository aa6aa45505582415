"""Sub-commands of `bdp` beyond the build ones: each module here defines `command`, a click command,
and is added to the `bdp` group by `publisher.cli`."""
