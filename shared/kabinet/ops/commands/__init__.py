"""Sub-commands of `python -m kabinet.ops`: each module registers its parsers."""
