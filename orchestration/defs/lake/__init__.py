"""$CDRWH_HOME/lake/: the marts as Parquet partitioned by UTC day, rewritten after every publication."""
