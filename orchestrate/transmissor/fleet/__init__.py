"""Many municipalities at once: the runner, the status of the fleet and its HTML page."""
