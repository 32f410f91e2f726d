"""transmissor: daily transmission of e-SUS APS PEC data into the banco analítico."""

__version__ = "0.1.0"
