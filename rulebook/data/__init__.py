"""Indicator data: reading it in every form users have and checking it against a scheme.

check (DataSet, UnitData, read_data, parse_data, check_data; the careful pass), fast (the
generated fast pass), read (choosing a reader), documents (YAML/JSON), csv_reader, xlsx_reader,
frame (DataFrame, dict of columns), table (what the table readers share), values (exact numbers
from floats), template (the data-entry sheet). See docs/data.md.
"""
