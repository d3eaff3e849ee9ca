"""Indicator data: reading it in every form users have and checking it against a scheme.

api (read_data, parse_data, check_data), dataset (DataSet, UnitData), validate (fast pass, then
careful pass), check (the careful pass), fast (the generated fast pass), read (choosing a
reader), documents (YAML/JSON), json_units (valid JSON read unit by unit), stream (units checked
as a reader produces them), csv_reader, xlsx_reader, frame (DataFrame, dict of columns), table
(what the table readers share), values (exact numbers from floats), template (the data-entry
sheet). See docs/data.md.
"""
