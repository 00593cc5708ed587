"""Studies, arms, outcomes and extracted values (built in the extraction issue)."""
