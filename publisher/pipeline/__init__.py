"""The build: records read, converted and validated in worker processes, the store bulk-loaded, the output steps run, the result swapped into OUT; `bdp validate` and `bdp publish`."""
