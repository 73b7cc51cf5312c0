"""Ways to reach a passport chip: software simulator, PC/SC desk reader, vpcd virtual card."""
