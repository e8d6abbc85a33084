"""The listing model: what a therapist listing is, in knead's words.

- `listing`: `TherapistListing`, the one record every source is normalised into.
- `vocabulary`: canonical technique, insurance and credential ids with their
  spellings, and the rules that map free text onto them.
- `states`: US state names and codes.
- `text`: the one set of length bounds and the two text-cleaning steps.

Pure data and functions, no I/O. Everything may import it; it imports nothing
else of knead.
"""
