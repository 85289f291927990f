"""Reference data the dialogs offer: stakeholder types, countries and regions, time zones, text rules."""
