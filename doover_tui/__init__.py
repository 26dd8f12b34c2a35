"""doover-tui: a terminal cockpit for fleets of Doover IoT devices."""

__version__ = "0.1.0"
