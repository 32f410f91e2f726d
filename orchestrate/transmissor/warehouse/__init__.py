"""The banco analítico: connections, raw tables, the transmissions record, marts access, dbt."""
