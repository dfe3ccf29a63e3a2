"""Simulation: the discrete-event network and the named scenarios. Both produce a Trace."""
