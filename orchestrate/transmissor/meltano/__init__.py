"""Running Meltano: its processes, its state, what its logs say, the project's job definitions."""
