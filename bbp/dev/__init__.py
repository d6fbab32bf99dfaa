"""Development conveniences: embedded services, demo data, the `make run` launcher."""
