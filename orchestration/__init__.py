"""cdr-warehouse: vendor CDR files landed into DuckDB by Dagster, modelled by dbt."""
