"""The steps of a transmissão that move data: pre-flight, first load, snapshot, reconcile."""
