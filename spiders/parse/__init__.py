"""Pure parsers: a Selector, dict or string in, plain values out. No requests, no state."""
