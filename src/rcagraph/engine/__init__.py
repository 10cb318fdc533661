"""The ranking engine: root-cause candidates for an incident, scored, with evidence."""
