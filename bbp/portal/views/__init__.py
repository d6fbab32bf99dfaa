"""Portal routes: sign-in, the visitor's pages, profile and signing."""
