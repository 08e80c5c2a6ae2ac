"""Pure domain core: records, offsets, codebook paths. Standard library only."""
