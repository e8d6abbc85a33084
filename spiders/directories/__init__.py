"""Spider modules, one per directory format; the module name is the spider's `name`."""
