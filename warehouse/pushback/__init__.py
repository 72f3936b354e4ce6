"""Push-back: what the field's `children` entity list and Kobo's children.csv should show."""
