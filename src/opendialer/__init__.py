"""OpenDialer: an outbound dialer platform for loan servicers and contact centers."""

__version__ = "0.1.0"
