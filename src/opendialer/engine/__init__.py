"""The dialing engine: due contacts, the gate, telephony adapters, outcomes."""
