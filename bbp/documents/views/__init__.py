"""Document routes: the agency's templates, and documents requested from people."""
