"""Form behaviour tests in ODK Web Forms' XForms engine (@getodk/xforms-engine under Node)."""
