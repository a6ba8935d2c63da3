"""Every write of the hazards app (quakes, feeds, major incidents, public warnings)."""
