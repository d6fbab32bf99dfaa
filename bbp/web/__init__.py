"""Web plumbing shared by every feature: rendering, templating, form fields, error pages,
security headers, input hygiene, i18n and the access log."""
