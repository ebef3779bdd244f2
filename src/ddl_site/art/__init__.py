"""Lead images, one module per post; each registers its drawing with ``@drawing(filename)``."""
