"""Privacy building blocks every export, report and subject-rights command uses (PDPA, DOMAIN §5).

- `spreadsheet`: neutralise formula injection in every CSV/XLSX cell;
- `pseudonym`: keyed HMAC-SHA-256 child keys (never a plain hash of an ID);
- `minimise`: masked national IDs, GPS rounded to about 1 km or reduced to the subdistrict, free text
  with IDs and phone numbers redacted;
- `consent`: the age rules of consent, and whether a child's data may go to a recipient on a basis.
"""
