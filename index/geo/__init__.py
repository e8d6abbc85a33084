"""Geography: distances, grid cells, and ZIP and city look-ups.

- `distance`: great-circle distance and the bounds `--near` filters with.
- `cells`: the grid-cell terms a located listing is indexed under.
- `places`: `--near` text (ZIP, "City, ST", "lat,lon") to a point.
- `ziptable`: the offline ZIP table (from `zipcodes`) and its compact cache.

May import `index.model`; nothing else of knead. Pure arithmetic except
`places` and `ziptable`, which read the ZIP table (only when asked).
"""
